package io.interflux.benchmarks;

import java.util.Locale;

/**
 * A measured {@link Result} and what it is held to: a ratio of at least {@code bound} for
 * throughput, at most {@code bound} for latency, and optionally an absolute floor for the
 * Interflux figure.
 */
public final class Target {
    final Result result;
    final double bound;
    final boolean higherIsBetter;
    final double minInterflux;

    private Target(Result result, double bound, boolean higherIsBetter, double minInterflux) {
        this.result = result;
        this.bound = bound;
        this.higherIsBetter = higherIsBetter;
        this.minInterflux = minInterflux;
    }

    /** The ratio must be at least {@code minRatio}. */
    public static Target atLeast(Result result, double minRatio) {
        return new Target(result, minRatio, true, Double.NaN);
    }

    /** The ratio must be at least {@code minRatio} and the Interflux figure at least {@code minInterflux}. */
    public static Target atLeast(Result result, double minRatio, double minInterflux) {
        return new Target(result, minRatio, true, minInterflux);
    }

    /** The ratio must be at most {@code maxRatio}. */
    public static Target atMost(Result result, double maxRatio) {
        return new Target(result, maxRatio, false, Double.NaN);
    }

    /** Measured and reported, held to no bound. */
    public static Target reported(Result result) {
        return new Target(result, Double.NaN, true, Double.NaN);
    }

    boolean met() {
        boolean ratio = Double.isNaN(bound) || (higherIsBetter ? result.ratio() >= bound : result.ratio() <= bound);
        boolean absolute = Double.isNaN(minInterflux) || result.interflux >= minInterflux;
        return ratio && absolute;
    }

    String describe() {
        if (Double.isNaN(bound)) {
            return "reported";
        }
        String what = (higherIsBetter ? ">= " : "<= ") + bound;
        if (!Double.isNaN(minInterflux)) {
            what += String.format(Locale.ROOT, " and interflux >= %.3g %s", minInterflux, result.unit);
        }
        return what + (met() ? " met" : " MISSED");
    }
}
