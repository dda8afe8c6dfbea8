package io.interflux.benchmarks;

import java.util.List;

/** Knobs shared by every benchmark: how many interleaved rounds, how many streams, and the jar to start child JVMs from. */
public final class BenchmarkConfig {
    /** Interleaved rounds per comparison; each round measures Interflux then the baseline (or the reverse). */
    public final int rounds;
    /** Seconds each measured side runs per round, roughly. */
    public final double secondsPerRound;
    /** The counts of concurrent streams the {@code scale} benchmark measures ({@code --streams}). */
    public final List<Integer> streams;

    /** The default stream counts of {@code scale}. */
    public static final List<Integer> DEFAULT_STREAMS = List.of(1, 10, 100, 1000);

    public BenchmarkConfig(int rounds, double secondsPerRound) {
        this(rounds, secondsPerRound, DEFAULT_STREAMS);
    }

    public BenchmarkConfig(int rounds, double secondsPerRound, List<Integer> streams) {
        this.rounds = rounds;
        this.secondsPerRound = secondsPerRound;
        this.streams = List.copyOf(streams);
    }

    /** The java executable of this JVM, to start child JVMs with. */
    public static String javaExecutable() {
        return ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
    }

    /** This JVM's class path, so a child JVM runs the same jar. */
    public static String classPath() {
        return System.getProperty("java.class.path");
    }
}
