package io.interflux.benchmarks;

/**
 * A measured {@link Result} and the ratio it is held to: at least {@code bound} for throughput,
 * at most {@code bound} for latency.
 */
public final class Target {
    final Result result;
    final double bound;
    final boolean higherIsBetter;

    private Target(Result result, double bound, boolean higherIsBetter) {
        this.result = result;
        this.bound = bound;
        this.higherIsBetter = higherIsBetter;
    }

    /** The ratio must be at least {@code minRatio}. */
    public static Target atLeast(Result result, double minRatio) {
        return new Target(result, minRatio, true);
    }

    /** The ratio must be at most {@code maxRatio}. */
    public static Target atMost(Result result, double maxRatio) {
        return new Target(result, maxRatio, false);
    }

    /** Measured and reported, held to no bound. */
    public static Target reported(Result result) {
        return new Target(result, Double.NaN, true);
    }

    boolean met() {
        if (Double.isNaN(bound)) {
            return true;
        }
        return higherIsBetter ? result.ratio() >= bound : result.ratio() <= bound;
    }

    String describe() {
        if (Double.isNaN(bound)) {
            return "reported";
        }
        return (higherIsBetter ? ">= " : "<= ") + bound + (met() ? " met" : " MISSED");
    }
}
