package io.interflux.benchmarks;

/** Knobs shared by every benchmark: how many interleaved rounds, and the jar to start child JVMs from. */
public final class BenchmarkConfig {
    /** Interleaved rounds per comparison; each round measures Interflux then the baseline (or the reverse). */
    public final int rounds;
    /** Seconds each measured side runs per round, roughly. */
    public final double secondsPerRound;

    public BenchmarkConfig(int rounds, double secondsPerRound) {
        this.rounds = rounds;
        this.secondsPerRound = secondsPerRound;
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
