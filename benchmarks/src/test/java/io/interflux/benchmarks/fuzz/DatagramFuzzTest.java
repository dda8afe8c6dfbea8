package io.interflux.benchmarks.fuzz;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(300)
@DisplayName("Fuzzed datagrams")
class DatagramFuzzTest {

    @Test
    @DisplayName("10,000 datagrams around the limit, over a Unix and a UDP socket: each one up to the limit arrives whole and in order, each larger one is refused, the stream goes on")
    void datagrams() {
        FuzzReport report = DatagramFuzz.run(FramingFuzzTest.SEED, 0, 10_000);
        System.out.println(report);
        assertThat(report.failed()).as(report.toString()).isEmpty();
        assertThat(report.inputs()).isEqualTo(10_000);
        assertThat(report.ends()).containsKeys("unix delivered", "unix refused", "udp delivered", "udp refused");
    }
}
