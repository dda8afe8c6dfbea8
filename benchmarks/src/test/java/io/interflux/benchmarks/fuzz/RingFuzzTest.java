package io.interflux.benchmarks.fuzz;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(300)
@DisplayName("A ring written by a hostile process")
class RingFuzzTest {

    @Test
    @DisplayName("10,000 rings of well-formed records and wrecks give exactly the well-formed records before the first wreck, then CorruptRingException, a wait, or the next real record")
    void hostileRecords() {
        FuzzReport report;
        try (RingFuzz fuzz = new RingFuzz("/ifx-fuzz-" + ProcessHandle.current().pid(), 4096)) {
            report = fuzz.run(FramingFuzzTest.SEED, 0, 10_000);
        }
        System.out.println(report);
        assertThat(report.failed()).as(report.toString()).isEmpty();
        assertThat(report.ends()).containsKeys("CorruptRingException", "waiting", "then a real producer's record");
    }
}
