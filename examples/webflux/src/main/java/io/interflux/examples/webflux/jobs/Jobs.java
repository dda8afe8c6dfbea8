package io.interflux.examples.webflux.jobs;

import io.interflux.Codec;
import io.interflux.Emitter;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import tools.jackson.databind.json.JsonMapper;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Jobs in, results out, through the two queues of {@link JobQueues}.
 *
 * <p>{@link #submit} never waits: it is called on a Netty event-loop thread, so it puts the job
 * into the queue with one non-blocking {@code mq_send} (an Interflux {@link Emitter}) and says at
 * once whether it went in. A full queue is answered, not waited for; the HTTP layer turns that
 * into 503 with {@code Retry-After}, which tells the client the truth (the worker is behind)
 * and holds nothing in this JVM.
 */
@Component
class Jobs {

    private final JobQueues queues;
    private final JsonMapper json;
    private final AtomicLong ids = new AtomicLong();
    /** An emitter per thread: an emitter serves one caller at a time and answers FAIL_NON_SERIALIZED to a second. */
    private final ThreadLocal<Emitter<byte[]>> emitters;

    Jobs(JobQueues queues, JsonMapper json) {
        this.queues = queues;
        this.json = json;
        this.emitters = ThreadLocal.withInitial(() -> queues.jobs().emitter(Codec.bytes(), 0));
    }

    /** Puts the job into the queue now, or says why not. */
    Submission submit(String body, String contentType) {
        // a counter, not a UUID: UUID.randomUUID() reads SecureRandom, which may block a Netty thread
        String id = "job-" + ids.incrementAndGet();
        byte[] message = json.writeValueAsBytes(new Job(id, contentType, body));
        int limit = queues.jobs().maxMessageSize();
        if (message.length > limit) {
            return new Submission.TooLarge(message.length, limit);
        }
        Sinks.EmitResult result = emitters.get().tryEmitNext(message);
        switch (result) {
            case OK:
                return new Submission.Accepted(id);
            case FAIL_OVERFLOW:
                return new Submission.QueueFull(queues.jobs().maxMessages());
            default:
                // FAIL_TERMINATED: the queue is closed, the context is closing. (FAIL_NON_SERIALIZED
                // cannot happen with an emitter per thread, and would mean the same: not sent.)
                return new Submission.Unavailable("the job queue is closed: the application is stopping (" + result + ")");
        }
    }

    /**
     * Results as the worker puts them in the results queue. Each result is taken from the queue
     * only for demand, and goes to exactly one subscriber: several subscribers share the results.
     * Completes when the queue is closed.
     */
    Flux<JobResult> results() {
        return queues.results().receive(Codec.utf8()).map(text -> json.readValue(text, JobResult.class));
    }

    /** The job queue's capacity, in messages. */
    int capacity() {
        return queues.jobs().maxMessages();
    }
}
