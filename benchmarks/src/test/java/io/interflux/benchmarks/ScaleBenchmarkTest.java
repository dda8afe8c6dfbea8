package io.interflux.benchmarks;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(90)
@DisplayName("The scale benchmark")
class ScaleBenchmarkTest {

    private static final Pattern ROW = Pattern.compile("\\{\"mechanism\":\"scale-pipe\",\"size\":\"(N=(?:1|10)(?:-in-place)?)\","
            + "\"metric\":\"(threads|rss_mb|throughput_mb_s|latency_p99_us)\",\"interflux\":([-+.0-9eE]+),\"baseline\":([-+.0-9eE]+),"
            + "\"baseline_name\":\"(jdk-process|nuprocess)\",\"ratio\":([-+.0-9eE]+),\"unit\":\"(threads|MiB|MB/s|us)\"}");

    @Test
    @DisplayName("measures 1 and 10 children in a JVM each per implementation, and writes a well-formed row with positive figures for each path, baseline and metric")
    void pipesAtOneAndTen() throws Exception {
        List<Target> rows = new ScaleBenchmark(List.of("pipe")).run(new BenchmarkConfig(1, 0.05, List.of(1, 10)));

        // 2 counts x 2 Interflux paths x 2 baselines x 4 metrics
        assertThat(rows).hasSize(32);
        for (Target t : rows) {
            String json = t.result.toJson();
            Matcher m = ROW.matcher(json);
            assertThat(m.matches()).as(json).isTrue();
            assertThat(Double.parseDouble(m.group(3))).as(json).isPositive();
            assertThat(Double.parseDouble(m.group(4))).as(json).isPositive();
            assertThat(Double.parseDouble(m.group(6))).as(json).isPositive().isFinite();
            assertThat(t.describe()).isEqualTo("reported");
        }
        Map<String, Set<String>> metricsBySizeAndBaseline = rows.stream().collect(Collectors.groupingBy(
                t -> t.result.size + " " + t.result.baselineName, Collectors.mapping(t -> t.result.metric, Collectors.toSet())));
        assertThat(metricsBySizeAndBaseline).hasSize(8).allSatisfy((key, metrics) ->
                assertThat(metrics).containsExactlyInAnyOrder("threads", "rss_mb", "throughput_mb_s", "latency_p99_us"));
        // a thread per child: the JDK baseline has more threads at 10 children than at 1, Interflux the same
        assertThat(figure(rows, "N=10", "threads", "jdk-process", false)).isGreaterThan(figure(rows, "N=1", "threads", "jdk-process", false));
        assertThat(figure(rows, "N=10", "threads", "jdk-process", true)).isLessThan(figure(rows, "N=10", "threads", "jdk-process", false));
    }

    private static double figure(List<Target> rows, String size, String metric, String baseline, boolean interflux) {
        Result r = rows.stream().map(t -> t.result)
                .filter(x -> x.size.equals(size) && x.metric.equals(metric) && x.baselineName.equals(baseline))
                .findFirst().orElseThrow();
        return interflux ? r.interflux : r.baseline;
    }
}
