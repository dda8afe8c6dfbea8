package io.interflux.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The CPUs a running process may use, set for all its threads with {@code taskset(1)}. The rpc
 * benchmark pins each server to one CPU and its client to another while it times round trips:
 * left to the scheduler, a ping-pong pair sleeps and wakes on one CPU or on two by chance, and
 * that alone moved a 64-byte round trip between about 20 and 55 us on a two-core machine, which
 * would decide a comparison by luck.
 */
final class CpuAffinity {

    private static final long LIMIT_SECONDS = 10;

    private final long pid;
    private final String before;

    private CpuAffinity(long pid, String before) {
        this.pid = pid;
        this.before = before;
    }

    /** Whether pinning is possible here: {@code taskset} runs, and there are two CPUs to pin to. */
    static boolean available() {
        if (Runtime.getRuntime().availableProcessors() < 2) {
            return false;
        }
        try {
            taskset("-p", "-c", Long.toString(ProcessHandle.current().pid()));
            return true;
        } catch (IOException | InterruptedException | IllegalStateException e) {
            return false;
        }
    }

    /** Pins every thread of {@code pid} to {@code cpu}; {@link #restore()} gives back the CPUs it had. */
    static CpuAffinity pin(long pid, int cpu) throws IOException, InterruptedException {
        // "pid 42's current affinity list: 0,1"
        String now = taskset("-p", "-c", Long.toString(pid));
        String before = now.substring(now.lastIndexOf(':') + 1).trim();
        taskset("-a", "-p", "-c", Integer.toString(cpu), Long.toString(pid));
        return new CpuAffinity(pid, before);
    }

    /** Every thread of the process may use the CPUs it had before {@link #pin} again. */
    void restore() throws IOException, InterruptedException {
        taskset("-a", "-p", "-c", before, Long.toString(pid));
    }

    private static String taskset(String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("taskset"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }
}
