package io.interflux.examples.webflux.jobs;

import io.interflux.examples.webflux.ExampleProperties;
import io.interflux.examples.webflux.Heartbeat;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import java.time.Duration;
import java.util.Map;

/**
 * {@code POST /jobs} (a text or JSON body) answers 202 with the job's id once the job is in the
 * queue, 503 with {@code Retry-After} when the queue is full, 413 when the job is larger than a
 * queue message, 400 for a JSON body that is not JSON, 415 for other types; {@code GET
 * /jobs/results} streams the results as {@code result} events, their id the job's id, with
 * heartbeats.
 */
@RestController
class JobController {

    private final Jobs jobs;
    private final JsonMapper json;
    private final Duration heartbeat;

    JobController(Jobs jobs, JsonMapper json, ExampleProperties properties) {
        this.jobs = jobs;
        this.json = json;
        this.heartbeat = properties.heartbeat();
    }

    @PostMapping(path = "/jobs", consumes = {MediaType.TEXT_PLAIN_VALUE, MediaType.APPLICATION_JSON_VALUE},
            produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<ResponseEntity<Map<String, Object>>> submit(@RequestBody Mono<String> body,
                                                     @RequestHeader(HttpHeaders.CONTENT_TYPE) MediaType type) {
        return body.defaultIfEmpty("").map(text -> answer(jobs.submit(checked(text, type), type.toString())));
    }

    @GetMapping(path = "/jobs/results", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    Flux<ServerSentEvent<String>> results() {
        return Heartbeat.every(heartbeat, jobs.results()
                .map(result -> ServerSentEvent.builder(json.writeValueAsString(result))
                        .event("result").id(result.id()).build()));
    }

    /** A JSON body must be JSON: the worker is told its type and may rely on it. */
    private String checked(String text, MediaType type) {
        if (MediaType.APPLICATION_JSON.isCompatibleWith(type)) {
            try {
                json.readTree(text);
            } catch (JacksonException e) {
                throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "the body is not JSON: " + e.getOriginalMessage());
            }
        }
        return text;
    }

    private ResponseEntity<Map<String, Object>> answer(Submission submission) {
        if (submission instanceof Submission.Accepted accepted) {
            return ResponseEntity.status(HttpStatus.ACCEPTED).body(Map.of("id", accepted.id()));
        }
        if (submission instanceof Submission.QueueFull full) {
            return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header(HttpHeaders.RETRY_AFTER, "1")
                    .body(Map.of("error", "the job queue is full (" + full.capacity()
                            + " jobs wait for the worker): retry later"));
        }
        if (submission instanceof Submission.Unavailable unavailable) {
            return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(Map.of("error", unavailable.reason()));
        }
        Submission.TooLarge large = (Submission.TooLarge) submission;
        return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE).body(Map.of("error", "the job is " + large.size()
                + " bytes as a queue message (its JSON envelope included), over the queue's limit of " + large.limit()));
    }
}
