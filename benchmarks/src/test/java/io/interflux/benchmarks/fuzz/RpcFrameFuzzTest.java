package io.interflux.benchmarks.fuzz;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(120)
@DisplayName("Fuzzed RPC frames")
class RpcFrameFuzzTest {

    @Test
    @DisplayName("10,000 frames, mostly broken, either parse or are refused as malformed; intact ones parse to what was built")
    void frames() {
        FuzzReport report = RpcFrameFuzz.run(FramingFuzzTest.SEED, 0, 10_000);
        System.out.println(report);
        assertThat(report.failed()).as(report.toString()).isEmpty();
        assertThat(report.ends()).containsKeys("parsed", "MalformedFrameException");
    }
}
