package io.interflux.examples.webflux.fifo;

import io.interflux.FrameTooLargeException;
import io.interflux.examples.webflux.ExampleProperties;
import io.interflux.examples.webflux.Heartbeat;
import io.interflux.fifo.FifoReader;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;

/**
 * {@code GET /fifo/{name}}: the lines written into a FIFO, as Server-Sent Events.
 *
 * <p>Events: {@code ready} first, its data the FIFO's path (it exists from then on: {@code echo hi >
 * path}); then one {@code line} event per line, its id the line's number from 0; {@code heartbeat}
 * while idle; {@code failed} when a line exceeds the maximum length, which ends the stream.
 *
 * <p>Lines are read from the FIFO only as the HTTP connection takes them: a client that does not
 * read fills the socket, then the FIFO, and the process writing into it blocks.
 */
@RestController
class FifoController {

    private final FifoStreams fifos;
    private final Duration heartbeat;

    FifoController(FifoStreams fifos, ExampleProperties properties) {
        this.fifos = fifos;
        this.heartbeat = properties.heartbeat();
    }

    @GetMapping(path = "/fifo/{name}", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    Flux<ServerSentEvent<String>> lines(@PathVariable("name") String name) {
        FifoName fifo = new FifoName(name);
        Flux<ServerSentEvent<String>> events = Flux.usingWhen(fifos.open(fifo),
                reader -> Flux.concat(Mono.just(event("ready", reader.path().toString())), lines(reader)),
                FifoController::close, (reader, error) -> close(reader), FifoController::close);
        return Heartbeat.every(heartbeat, events)
                .onErrorResume(FrameTooLargeException.class, e -> Mono.just(event("failed", e.getMessage())));
    }

    private static Flux<ServerSentEvent<String>> lines(FifoReader<String> reader) {
        return reader.receive()
                .index()
                // a lone '\r' would end an SSE line in the browser and cut the event: shown as a space
                .map(line -> ServerSentEvent.builder(line.getT2().replace('\r', ' '))
                        .event("line").id(Long.toString(line.getT1())).build());
    }

    private static ServerSentEvent<String> event(String name, String data) {
        return ServerSentEvent.builder(data).event(name).build();
    }

    private static Mono<Void> close(FifoReader<String> reader) {
        return Mono.fromRunnable(reader::dispose);
    }
}
