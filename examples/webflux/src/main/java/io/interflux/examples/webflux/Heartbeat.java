package io.interflux.examples.webflux;

import org.springframework.http.codec.ServerSentEvent;
import reactor.core.publisher.Flux;

import java.time.Duration;
import java.time.Instant;

/**
 * Adds {@code heartbeat} events to a stream of Server-Sent Events without buffering the stream's
 * own events: they pass one at a time, at the pace the HTTP connection asks for them, so a slow
 * client still holds the source (a FIFO's writer, a queue's sender) back.
 *
 * <pre>{@code
 * Flux<ServerSentEvent<String>> withBeats = Heartbeat.every(Duration.ofSeconds(5), lines);
 * }</pre>
 */
public final class Heartbeat {

    /** The event name the page and the tests recognise. */
    public static final String EVENT = "heartbeat";

    /** Marks the end of the events, so the beats, which never end by themselves, stop with them. */
    private static final ServerSentEvent<String> END = ServerSentEvent.<String>builder().comment("end").build();

    private Heartbeat() {
    }

    /**
     * {@code events} with a {@code heartbeat} event (its data the server's time) at once and then
     * every {@code period}: the first one sends the response's headers, so a client sees the stream
     * open (an {@code EventSource}'s {@code onopen}) before the first real event, however late that
     * comes. The stream ends when {@code events} ends. Beats that meet no demand are dropped, not queued: a
     * client that is not reading needs no heartbeat. {@code events} is merged with a prefetch of
     * one, so at most one of its events waits here while the connection is not writable.
     */
    public static Flux<ServerSentEvent<String>> every(Duration period, Flux<ServerSentEvent<String>> events) {
        Flux<ServerSentEvent<String>> beats = Flux.interval(Duration.ZERO, period)
                .onBackpressureDrop()
                .map(n -> ServerSentEvent.<String>builder(Instant.now().toString()).event(EVENT).build());
        return Flux.merge(1, events.concatWith(Flux.just(END)), beats)
                .takeWhile(event -> event != END);
    }
}
