package io.interflux.examples.webflux;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A shell command run as a separate process, outside Interflux, with no pipe to this JVM (stdin
 * from {@code /dev/null}, output discarded), and what {@code /proc} says about it. Closing it
 * kills it and waits until it is reaped, so no test leaves it behind, even a failing one.
 */
public final class Shell implements AutoCloseable {

    private final Process process;

    private Shell(Process process) {
        this.process = process;
    }

    /** Runs {@code sh -c script sh args...}: the arguments are {@code $1}, {@code $2}, ... */
    public static Shell run(String script, String... args) {
        List<String> argv = new ArrayList<>(List.of("sh", "-c", script, "sh"));
        argv.addAll(List.of(args));
        try {
            return new Shell(new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + argv, e);
        }
    }

    /** The process id (the command's own, when the script {@code exec}s it). */
    public long pid() {
        return process.pid();
    }

    /** Waits at most {@code seconds} for the exit; its status, or empty while it still runs. */
    public Optional<Integer> exit(long seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS) ? Optional.of(process.exitValue()) : Optional.empty();
    }

    /** The kernel function the process sleeps in ({@code /proc/<pid>/wchan}), e.g. {@code pipe_write}. */
    public String waitChannel() {
        return firstLine(Path.of("/proc", Long.toString(pid()), "wchan"));
    }

    /** Bytes the process has written so far ({@code wchar} of {@code /proc/<pid>/io}). */
    public long bytesWritten() {
        try (BufferedReader in = Files.newBufferedReader(Path.of("/proc", Long.toString(pid()), "io"))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.startsWith("wchar:")) {
                    return Long.parseLong(line.substring("wchar:".length()).trim());
                }
            }
            throw new IllegalStateException("no wchar in /proc/" + pid() + "/io");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first line of a /proc file, read as a stream: procfs reports size 0, which trips size-based reads. */
    private static String firstLine(Path file) {
        try (BufferedReader in = Files.newBufferedReader(file)) {
            String line = in.readLine();
            return line == null ? "" : line;
        } catch (IOException e) {
            return "";
        }
    }

    /** Kills the process (and any child it left) and waits for it to be reaped. */
    @Override
    public void close() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("pid " + pid() + " still runs 10 s after SIGKILL");
        }
    }
}
