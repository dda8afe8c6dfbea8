package io.interflux.benchmarks;

import java.util.Locale;

/**
 * One row of {@code benchmarks/target/results.jsonl}: Interflux and one baseline on the same
 * mechanism, size and metric, measured in the same run. {@code ratio} is always
 * interflux / baseline, so for latencies lower is better.
 */
public final class Result {
    final String mechanism;
    final String size;
    final String metric;
    final double interflux;
    final double baseline;
    final String baselineName;
    final String unit;

    public Result(String mechanism, String size, String metric, double interflux, double baseline,
                  String baselineName, String unit) {
        this.mechanism = mechanism;
        this.size = size;
        this.metric = metric;
        this.interflux = interflux;
        this.baseline = baseline;
        this.baselineName = baselineName;
        this.unit = unit;
    }

    public double ratio() {
        return interflux / baseline;
    }

    String toJson() {
        return String.format(Locale.ROOT,
                "{\"mechanism\":\"%s\",\"size\":\"%s\",\"metric\":\"%s\",\"interflux\":%.6g,\"baseline\":%.6g,"
                        + "\"baseline_name\":\"%s\",\"ratio\":%.4f,\"unit\":\"%s\"}",
                mechanism, size, metric, interflux, baseline, baselineName, ratio(), unit);
    }
}
