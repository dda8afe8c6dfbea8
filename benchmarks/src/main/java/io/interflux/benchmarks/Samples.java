package io.interflux.benchmarks;

import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;
import java.util.StringJoiner;

/** Measured values, sorted once, with the order statistics a benchmark reports. */
public final class Samples {

    private final double[] sorted;

    private Samples(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("at least one sample required");
        }
        this.sorted = values.clone();
        Arrays.sort(this.sorted);
    }

    /** Samples of the given values. */
    public static Samples of(Collection<? extends Number> values) {
        return new Samples(values.stream().mapToDouble(Number::doubleValue).toArray());
    }

    /** Samples of the given values. */
    public static Samples of(double... values) {
        return new Samples(values);
    }

    /** Nanosecond durations, as microseconds. */
    public static Samples microsFromNanos(Collection<long[]> nanos) {
        double[] us = nanos.stream().flatMapToLong(Arrays::stream).mapToDouble(n -> n / 1e3).toArray();
        return new Samples(us);
    }

    /** The value below which a fraction {@code q} (0 to 1) of the samples lie (nearest rank). */
    public double percentile(double q) {
        if (q < 0 || q > 1) {
            throw new IllegalArgumentException("q in [0, 1] required but it was " + q);
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    /** The middle value; the mean of the two middle values of an even count. */
    public double median() {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** How many samples. */
    public int size() {
        return sorted.length;
    }

    /** {@code min / median / max} with the count, for the log. */
    public String spread() {
        return String.format(Locale.ROOT, "min %.4g, median %.4g, max %.4g (n=%d)",
                sorted[0], median(), sorted[sorted.length - 1], sorted.length);
    }

    /** The values in the given order, for the log. */
    public static String list(Collection<? extends Number> values) {
        StringJoiner j = new StringJoiner(" ", "[", "]");
        for (Number v : values) {
            j.add(String.format(Locale.ROOT, "%.4g", v.doubleValue()));
        }
        return j.toString();
    }
}
