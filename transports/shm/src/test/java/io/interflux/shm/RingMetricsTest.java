package io.interflux.shm;

import io.interflux.testkit.CountingRecorder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(30)
@DisplayName("Shared ring metrics")
class RingMetricsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<SharedRing> opened = new ArrayList<>();
    private final List<String> names = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        opened.forEach(SharedRing::dispose);
        opened.forEach(r -> r.onDispose().block(WAIT));
        names.forEach(RingNames::remove);
    }

    @Test
    @DisplayName("a ring reports records and payload bytes each way, the consumer's time without demand, the producer's waits for space and its opening")
    void countsARing() {
        CountingRecorder metrics = new CountingRecorder();
        String name = RingNames.unique("metrics");
        names.add(name);
        SharedRing ring = SharedRing.named(name).capacity(4096).metrics(metrics).openNow(WAIT);
        opened.add(ring);
        assertThat(metrics.open()).isEqualTo(1);

        int count = 1000; // 64 bytes each: many times the ring
        StepVerifier.create(ring.receive(), 0)
                .then(() -> ring.send(Flux.range(0, count).map(i -> RingMessage.of(new byte[64]))).subscribe())
                .thenRequest(count)
                .expectNextCount(count)
                .thenCancel()
                .verify(WAIT);
        assertThat(ring.emitter().tryEmitNext(RingMessage.of(new byte[64]))).isEqualTo(Sinks.EmitResult.OK);
        // counts are reported once per drain pass: the one that delivered the last record may
        // still be running when the cancelled subscriber returns
        for (long deadline = System.nanoTime() + WAIT.toNanos(); metrics.messagesReceived() < count
                && System.nanoTime() < deadline; ) {
            Thread.onSpinWait();
        }

        assertThat(metrics.messagesSent()).isEqualTo(count + 1L);
        assertThat(metrics.bytesSent()).isEqualTo(64L * (count + 1));
        assertThat(metrics.messagesReceived()).isEqualTo(count);
        assertThat(metrics.bytesReceived()).isEqualTo(64L * count);
        assertThat(metrics.noDemandPeriods()).isGreaterThanOrEqualTo(1);
        assertThat(metrics.sendStalls()).as(metrics.toString()).isGreaterThanOrEqualTo(1);

        ring.dispose();
        ring.onDispose().block(WAIT);
        assertThat(metrics.open()).isZero();
    }
}
