package io.interflux.benchmarks.fuzz;

import io.interflux.EventLoop;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(300)
@DisplayName("Fuzzed byte streams")
class FramingFuzzTest {

    /** The seed of mvn verify's run; the long form ({@code java -jar ... fuzz}) takes any. */
    static final long SEED = 20261201L;

    private static EventLoop loop;

    @BeforeAll
    static void start() {
        loop = EventLoop.create("fuzz", 1);
    }

    @AfterAll
    static void stop() {
        loop.disposeLater().block(Duration.ofSeconds(10));
    }

    @Test
    @DisplayName("10,000 streams through a real pipe give each framing exactly the frames its contract says, then its documented end")
    void framings() {
        FuzzReport report = new FramingFuzz(loop).run(SEED, 0, 10_000);
        System.out.println(report);
        assertThat(report.failed()).as(report.toString()).isEmpty();
        assertThat(report.inputs()).isEqualTo(10_000);
        assertThat(report.ends()).as("every way a stream can end was reached")
                .containsKeys("complete", "FrameTooLargeException", "TruncatedFrameException");
    }
}
