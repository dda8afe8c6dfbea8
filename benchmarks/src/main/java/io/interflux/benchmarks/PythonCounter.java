package io.interflux.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The sync benchmark's Python baseline: two Python processes incrementing one
 * {@code multiprocessing.Value('i')} under its lock ({@code with v.get_lock(): v.value += 1}),
 * the script {@code mp_value_counter.py} beside this class, run with {@code python3 -c} (standard
 * library only). Each run starts {@code python3}, which forks the two counting processes; their
 * start-up is outside the measured window, which runs from the first child's start to the last
 * child's stop.
 */
final class PythonCounter {

    static final String PYTHON = "python3";
    private static final long LIMIT_SECONDS = 60;

    private final String script;

    PythonCounter() throws IOException {
        try (InputStream in = PythonCounter.class.getResourceAsStream("mp_value_counter.py")) {
            if (in == null) {
                throw new IllegalStateException("mp_value_counter.py is missing from the benchmark jar");
            }
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** One run of both processes. */
    static final class Run {
        /** Increments by the first and the second process. */
        final long first;
        final long second;
        /** The counter's value at the end: {@code first + second} if the lock held. */
        final long total;
        final long nanos;
        /** The CPU time both counting processes used, in clock ticks of 10 ms. */
        final long cpuTicks;

        Run(long first, long second, long total, long nanos, long cpuTicks) {
            this.first = first;
            this.second = second;
            this.total = total;
            this.nanos = nanos;
            this.cpuTicks = cpuTicks;
        }
    }

    /** Both processes counting for {@code seconds}. */
    Run run(double seconds) throws Exception {
        Process p = new ProcessBuilder(List.of(PYTHON, "-c", script, Double.toString(seconds)))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        p.getOutputStream().close();
        String out;
        try {
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException(PYTHON + " counter did not end within " + LIMIT_SECONDS + " s");
            }
        } finally {
            p.destroyForcibly();
        }
        if (p.exitValue() != 0 || !out.startsWith("result ")) {
            throw new IllegalStateException(PYTHON + " counter failed, status " + p.exitValue() + ": " + out);
        }
        String[] f = out.substring("result ".length()).split(" ");
        return new Run(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]),
                Long.parseLong(f[4]) - Long.parseLong(f[3]), Long.parseLong(f[5]) / 10_000_000);
    }
}
