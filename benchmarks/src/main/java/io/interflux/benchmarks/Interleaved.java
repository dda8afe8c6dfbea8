package io.interflux.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Two measurements of the same thing taken alternately in one run (A, B, B, A, A, B, ...), so
 * that drift on a shared machine (another build starting, a frequency change) falls on both
 * sides alike. Which side goes first alternates every round.
 *
 * @param <T> what one round of one side measures: a rate, or the round-trip times of a round
 */
public final class Interleaved<T> {

    /** One side of a comparison: measures one round. */
    @FunctionalInterface
    public interface Side<T> {
        /** Runs one round and returns what it measured. */
        T measure() throws Exception;
    }

    /** What Interflux measured, one entry per round, in order. */
    public final List<T> interflux;
    /** What the baseline measured, one entry per round, in order. */
    public final List<T> baseline;

    private Interleaved(List<T> interflux, List<T> baseline) {
        this.interflux = Collections.unmodifiableList(interflux);
        this.baseline = Collections.unmodifiableList(baseline);
    }

    /**
     * Runs {@code rounds} rounds of both sides; in even rounds Interflux goes first, in odd
     * rounds the baseline.
     */
    public static <T> Interleaved<T> run(int rounds, Side<T> interflux, Side<T> baseline) throws Exception {
        if (rounds <= 0) {
            throw new IllegalArgumentException("rounds > 0 required but it was " + rounds);
        }
        List<T> a = new ArrayList<>(rounds);
        List<T> b = new ArrayList<>(rounds);
        for (int i = 0; i < rounds; i++) {
            if (i % 2 == 0) {
                a.add(interflux.measure());
                b.add(baseline.measure());
            } else {
                b.add(baseline.measure());
                a.add(interflux.measure());
            }
        }
        return new Interleaved<>(a, b);
    }

    /**
     * Runs {@code rounds} rounds of Interflux and several baselines, one comparison per baseline
     * sharing Interflux's measurements: in even rounds Interflux goes first and the baselines
     * follow in order, in odd rounds they go in reverse order and Interflux last, so each
     * baseline runs as often before Interflux as after it, and the first one always next to it.
     */
    public static <T> List<Interleaved<T>> runEach(int rounds, Side<T> interflux, List<Side<T>> baselines)
            throws Exception {
        if (rounds <= 0) {
            throw new IllegalArgumentException("rounds > 0 required but it was " + rounds);
        }
        List<T> a = new ArrayList<>(rounds);
        List<List<T>> b = new ArrayList<>();
        for (int k = 0; k < baselines.size(); k++) {
            b.add(new ArrayList<>(rounds));
        }
        for (int i = 0; i < rounds; i++) {
            if (i % 2 == 0) {
                a.add(interflux.measure());
            }
            for (int k = 0; k < baselines.size(); k++) {
                int j = i % 2 == 0 ? k : baselines.size() - 1 - k;
                b.get(j).add(baselines.get(j).measure());
            }
            if (i % 2 == 1) {
                a.add(interflux.measure());
            }
        }
        List<Interleaved<T>> each = new ArrayList<>();
        for (List<T> one : b) {
            each.add(new Interleaved<>(a, one));
        }
        return each;
    }
}
