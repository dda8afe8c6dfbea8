package io.interflux.pipe;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.testkit.CountingRecorder;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(30)
@DisplayName("Child process metrics")
class PipeMetricsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    @DisplayName("a child's pipes report frames and bytes each way, the time its reader held it back, and the child while it runs")
    void countsAChild() {
        CountingRecorder metrics = new CountingRecorder();
        ChildProcess cat = ChildProcess.command("cat").stderr(Stdio.discard()).metrics(metrics).startNow(WAIT);
        try {
            assertThat(metrics.open()).as("a running child").isEqualTo(1);
            int lines = 20_000; // 10 bytes each, framing included: more than a pipe holds, so cat is held back
            StepVerifier.create(cat.stdout(Framing.lines(), Codec.utf8()), 0)
                    .then(() -> cat.sendAndClose(Flux.range(0, lines).map(i -> String.format("line %04d", i % 10_000)),
                            Framing.lines(), Codec.utf8()).subscribe())
                    .thenRequest(Long.MAX_VALUE)
                    .expectNextCount(lines)
                    .expectComplete()
                    .verify(WAIT);
            assertThat(cat.exit().block(WAIT)).isZero();
        } finally {
            cat.dispose();
        }
        assertThat(metrics.messagesSent()).isEqualTo(20_000);
        assertThat(metrics.bytesSent()).isEqualTo(200_000);
        assertThat(metrics.messagesReceived()).isEqualTo(20_000);
        assertThat(metrics.bytesReceived()).isEqualTo(200_000);
        assertThat(metrics.noDemandPeriods()).isGreaterThanOrEqualTo(1);
        assertThat(metrics.sendStalls()).as("stdin waited for cat, which waited for us: " + metrics).isGreaterThanOrEqualTo(1);
        assertThat(metrics.open()).as("the child was reaped").isZero();
    }
}
