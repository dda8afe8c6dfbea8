package io.interflux.examples.webflux;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.http.codec.ServerSentEvent;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
@DisplayName("Heartbeat")
class HeartbeatTest {

    private static final Duration PERIOD = Duration.ofSeconds(5);
    private static final Duration VERIFY = Duration.ofSeconds(10);

    private static Flux<ServerSentEvent<String>> lines(AtomicLong requested) {
        return Flux.range(0, 1_000_000)
                .map(i -> ServerSentEvent.builder("line " + i).event("line").build())
                .doOnRequest(n -> requested.addAndGet(n));
    }

    @Test
    @DisplayName("asks its events for no more than one ahead of the client's demand")
    void noBufferOfEvents() {
        AtomicLong requested = new AtomicLong();
        StepVerifier.withVirtualTime(() -> Heartbeat.every(PERIOD, lines(requested)), 0)
                .expectSubscription()
                .then(() -> assertThat(requested).as("with no demand: one ahead at most").hasValueLessThanOrEqualTo(1))
                .thenRequest(10)
                .expectNextCount(10)
                .then(() -> assertThat(requested).as("10 delivered (a beat among them or not)").hasValueLessThanOrEqualTo(11))
                .thenCancel()
                .verify(VERIFY);
    }

    @Test
    @DisplayName("drops the beats a client does not ask for, instead of queueing or failing")
    void beatsDroppedWithoutDemand() {
        StepVerifier.withVirtualTime(() -> Heartbeat.every(PERIOD, Flux.<ServerSentEvent<String>>never()), 0)
                .expectSubscription()
                .thenAwait(Duration.ofHours(1))          // 720 beats' time without demand
                .thenRequest(2)
                .thenAwait(PERIOD)                       // one beat is due from now on, none was kept
                .assertNext(beat -> assertThat(beat.event()).isEqualTo(Heartbeat.EVENT))
                .thenAwait(PERIOD)
                .assertNext(beat -> assertThat(beat.event()).isEqualTo(Heartbeat.EVENT))
                .thenCancel()
                .verify(VERIFY);
    }

    @Test
    @DisplayName("beats at once and every period, and ends when its events end")
    void beatsAndEnds() {
        StepVerifier.withVirtualTime(() -> Heartbeat.every(PERIOD,
                        Flux.just(ServerSentEvent.builder("last").event("line").build()).delaySubscription(Duration.ofSeconds(12))))
                .assertNext(beat -> assertThat(beat.event()).isEqualTo(Heartbeat.EVENT))
                .thenAwait(Duration.ofSeconds(12))
                .assertNext(beat -> assertThat(beat.event()).isEqualTo(Heartbeat.EVENT))
                .assertNext(beat -> assertThat(beat.event()).isEqualTo(Heartbeat.EVENT))
                .assertNext(line -> assertThat(line.data()).isEqualTo("last"))
                .expectComplete()
                .verify(VERIFY);
    }
}
