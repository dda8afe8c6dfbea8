package io.interflux.benchmarks.kill;

import io.interflux.pipe.ChildProcess;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A victim process: started by the JDK ({@link ProcessBuilder}, its output in a file, so it holds
 * no descriptor of this JVM and can be started ahead of the kill), or an Interflux
 * {@link ChildProcess} when its pipes are the mechanism under test. {@link #kill()} sends
 * {@code SIGKILL} from outside, by pid, as an operator or the OOM killer would, not through the
 * child's pidfd.
 */
final class Victim {

    static final int KILLED = 128 + 9;

    final long pid;
    final String label;
    private final Process process;
    private final ChildProcess child;
    private final Path log;

    private Victim(long pid, String label, Process process, ChildProcess child, Path log) {
        this.pid = pid;
        this.label = label;
        this.process = process;
        this.child = child;
        this.log = log;
    }

    /** A JDK-started victim whose stderr goes to {@code log}. */
    static Victim of(Process process, String label, Path log) {
        return new Victim(process.pid(), label, process, null, log);
    }

    /** An Interflux child: its stderr is captured by the child. */
    static Victim of(ChildProcess child, String label) {
        return new Victim(child.pid(), label, null, child, null);
    }

    /** The Interflux child, or {@code null} for a JDK-started victim. */
    ChildProcess child() {
        return child;
    }

    boolean alive() {
        return process != null ? process.isAlive() : !child.hasExited();
    }

    /** {@code SIGKILL}, by pid, if it still runs. */
    void kill() {
        if (alive()) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** Waits until it is dead and reaped; its exit status (137 for SIGKILL), or -1 when it still runs after {@code within}. */
    int awaitExit(Duration within) {
        if (process != null) {
            try {
                return process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }
        Integer status = child.exit().onErrorReturn(-1).block(within);
        return status == null ? -1 : status;
    }

    /** The end of what it wrote to stderr, for a failure's message. */
    String stderr() {
        String all;
        if (child != null) {
            all = child.capturedStderr();
        } else {
            try {
                all = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            } catch (IOException e) {
                all = "(unreadable: " + e + ")";
            }
        }
        all = all.strip();
        return all.length() > 2000 ? "..." + all.substring(all.length() - 2000) : all;
    }

    /** Kills it if it runs and waits for it, bounded: for finally blocks. Then disposes an Interflux child. */
    void destroy() {
        kill();
        awaitExit(Duration.ofSeconds(10));
        if (child != null) {
            child.dispose();
            child.onDispose().onErrorResume(e -> reactor.core.publisher.Mono.empty()).block(Duration.ofSeconds(10));
        }
        if (log != null) {
            try {
                Files.deleteIfExists(log);
            } catch (IOException ignored) {
                // a log file left in the campaign's directory goes with it
            }
        }
    }

    @Override
    public String toString() {
        return label + " [pid " + pid + "]";
    }
}
