package io.interflux.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running a peer of a benchmark ({@link ShmPeer}, {@link SyncPeer}) from this JVM's
 * class path: commands on its stdin, one line each; its answers read by a thread of their own.
 * A peer says {@code ok} when a command is done, {@code error: ...} when it failed, and may
 * print other lines before (a result, a progress note). It is started with the export Agrona
 * needs, since every peer maps shared memory.
 */
final class PeerJvm implements AutoCloseable {

    private static final String END = "\u0000end";
    /** How long an answer may take before the benchmark gives up on its peer. */
    static final Duration LIMIT = Duration.ofSeconds(60);

    final Process process;
    private final String label;
    private final Writer commands;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();

    /**
     * Starts {@code main} with {@code args}.
     *
     * @param label what the peer is called in errors: {@code "shm peer"}
     */
    PeerJvm(String label, Class<?> main, String... args) throws IOException {
        this(label, with(command(main), args));
    }

    /**
     * Starts {@code command}: a JVM of another class path (the rpc benchmark's rsocket-java peers)
     * that speaks the same lines.
     */
    PeerJvm(String label, List<String> command) throws IOException {
        this.label = label;
        process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    answers.add(line);
                }
            } catch (IOException ignored) {
                // the peer is gone: END says so
            } finally {
                answers.add(END);
            }
        }, label.replace(' ', '-') + "-answers");
        reader.setDaemon(true);
        reader.start();
    }

    /** The options every peer JVM runs with, whatever its class path. */
    static final List<String> JVM_OPTIONS = List.of("-Xmx64m", "-XX:+UseSerialGC");

    /** The command line of a JVM running {@code main} from this JVM's class path, arguments to follow. */
    static List<String> command(Class<?> main) {
        List<String> cmd = new ArrayList<>();
        cmd.add(BenchmarkConfig.javaExecutable());
        cmd.addAll(JVM_OPTIONS);
        cmd.addAll(List.of("--add-exports", Benchmarks.AGRONA_EXPORT, "-cp", BenchmarkConfig.classPath(), main.getName()));
        return cmd;
    }

    /** {@code command} followed by {@code args}. */
    static List<String> with(List<String> command, String... args) {
        List<String> cmd = new ArrayList<>(command);
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Sends one command; the peer runs it while this JVM measures its side. */
    void start(String command) throws IOException {
        commands.write(command + "\n");
        commands.flush();
    }

    /** Waits for the peer's {@code ok} to the last command; fails with its error. */
    void awaitDone() throws Exception {
        awaitLine("ok");
    }

    /** Waits for the line {@code expected}, logging any other line the peer prints first. */
    void awaitLine(String expected) throws Exception {
        await(expected, true);
    }

    /** Waits for a line starting with {@code prefix} and returns the rest of it. */
    String awaitPrefixed(String prefix) throws Exception {
        return await(prefix, false).substring(prefix.length());
    }

    private String await(String expected, boolean whole) throws Exception {
        for (;;) {
            String line = answers.poll(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
            if (line == null) {
                throw new IllegalStateException("no '" + expected + "' from the " + label + " within " + LIMIT);
            }
            if (whole ? line.equals(expected) : line.startsWith(expected)) {
                return line;
            }
            if (line.equals(END)) {
                throw new IllegalStateException("the " + label + " ended, status "
                        + Optional.ofNullable(exitValue()).map(String::valueOf).orElse("unknown"));
            }
            if (line.startsWith("error: ")) {
                throw new IllegalStateException(label + ": " + line.substring("error: ".length()));
            }
            PipeBenchmark.log("  peer: %s", line); // anything else it printed
        }
    }

    private Integer exitValue() throws InterruptedException {
        return process.waitFor(1, TimeUnit.SECONDS) ? process.exitValue() : null;
    }

    /** End of stdin ends the peer; a kill if it has not within 5 s. */
    @Override
    public void close() throws InterruptedException {
        try {
            commands.close();
        } catch (IOException ignored) {
            // gone already
        }
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
