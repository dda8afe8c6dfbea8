package io.interflux.benchmarks;

import java.util.List;

/** The benchmarks of one mechanism, run by {@link Benchmarks} with its name on the command line. */
public interface MechanismBenchmark {

    /** The command-line name, {@code "pipe"}. */
    String name();

    /**
     * Measures Interflux and each baseline interleaved (A, B, A, B, ... in one run) and returns
     * one result per (size, metric, baseline), each with the target it is held to.
     */
    List<Target> run(BenchmarkConfig config) throws Exception;
}
