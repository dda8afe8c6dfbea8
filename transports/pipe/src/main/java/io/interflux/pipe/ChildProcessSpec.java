package io.interflux.pipe;

import io.interflux.MetricsRecorder;
import io.interflux.internal.metrics.Metering;
import io.interflux.EventLoop;
import reactor.core.publisher.Mono;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable description of a child process to start: its command, environment, working
 * directory and what each standard stream is connected to.
 *
 * <p>Each method returns a new spec; nothing touches the OS until {@link #start()} is subscribed.
 *
 * <pre>{@code
 * ChildProcess.command("grep", "python")
 *     .directory(Path.of("/srv"))
 *     .putEnvironment("LC_ALL", "C")
 *     .stderr(Stdio.discard())
 *     .start()
 * }</pre>
 */
public final class ChildProcessSpec {

    /** Default bytes per read from the child's stdout or stderr, and per write to its stdin. */
    public static final int DEFAULT_BUFFER_SIZE = 64 * 1024;

    final List<String> command;
    final Map<String, String> environment;
    final boolean inheritEnvironment;
    final Path directory;
    final Stdio stdin;
    final Stdio stdout;
    final Stdio stderr;
    final int bufferSize;
    final EventLoop loop;
    final boolean newProcessGroup;
    final MetricsRecorder metrics;

    ChildProcessSpec(List<String> command) {
        this(command, Map.of(), true, null, Stdio.PIPE, Stdio.PIPE, Stdio.capture(), DEFAULT_BUFFER_SIZE, null, false, Metering.NONE);
    }

    private ChildProcessSpec(List<String> command, Map<String, String> environment, boolean inheritEnvironment,
                             Path directory, Stdio stdin, Stdio stdout, Stdio stderr, int bufferSize,
                             EventLoop loop, boolean newProcessGroup, MetricsRecorder metrics) {
        this.metrics = metrics;
        this.command = command;
        this.environment = environment;
        this.inheritEnvironment = inheritEnvironment;
        this.directory = directory;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
        this.bufferSize = bufferSize;
        this.loop = loop;
        this.newProcessGroup = newProcessGroup;
    }

    /** The command and its arguments. */
    public List<String> command() {
        return command;
    }

    /** The working directory of the child; by default this JVM's. */
    public ChildProcessSpec directory(Path directory) {
        return new ChildProcessSpec(command, environment, inheritEnvironment,
                Objects.requireNonNull(directory, "directory").toAbsolutePath(),
                stdin, stdout, stderr, bufferSize, loop, newProcessGroup, metrics);
    }

    /** Adds or replaces one variable of the child's environment. */
    public ChildProcessSpec putEnvironment(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("environment variable names are non-empty and hold no '=' or NUL, but it was \"" + name + "\"");
        }
        Map<String, String> env = new LinkedHashMap<>(environment);
        env.put(name, value);
        return new ChildProcessSpec(command, Collections.unmodifiableMap(env), inheritEnvironment, directory,
                stdin, stdout, stderr, bufferSize, loop, newProcessGroup, metrics);
    }

    /**
     * The child's whole environment: this JVM's variables are not passed on. Note that the
     * executable is still looked up in this JVM's {@code PATH}.
     */
    public ChildProcessSpec environment(Map<String, String> environment) {
        ChildProcessSpec s = new ChildProcessSpec(command, Map.of(), false, directory,
                stdin, stdout, stderr, bufferSize, loop, newProcessGroup, metrics);
        for (Map.Entry<String, String> e : environment.entrySet()) {
            s = s.putEnvironment(e.getKey(), e.getValue());
        }
        return s;
    }

    /** Where the child's stdin comes from; {@link Stdio#pipe()} by default. */
    public ChildProcessSpec stdin(Stdio stdio) {
        requireNotCapture(stdio, "stdin");
        return new ChildProcessSpec(command, environment, inheritEnvironment, directory,
                Objects.requireNonNull(stdio, "stdio"), stdout, stderr, bufferSize, loop, newProcessGroup, metrics);
    }

    /** Where the child's stdout goes; {@link Stdio#pipe()} by default. */
    public ChildProcessSpec stdout(Stdio stdio) {
        requireNotCapture(stdio, "stdout");
        return new ChildProcessSpec(command, environment, inheritEnvironment, directory,
                stdin, Objects.requireNonNull(stdio, "stdio"), stderr, bufferSize, loop, newProcessGroup, metrics);
    }

    /**
     * Where the child's stderr goes; {@link Stdio#capture()} by default: drained as it comes, so
     * a child can never block on a stderr nobody reads, with its last
     * {@value Stdio#DEFAULT_CAPTURE_BYTES} bytes kept for the {@link ChildExitException} of a
     * failed child ({@link ChildProcess#succeeded()}). {@link Stdio#pipe()} to read it with
     * demand through {@link ChildProcess#stderr(io.interflux.Framing)} (then it must be
     * consumed), {@link Stdio#inherit()} to share this JVM's, {@link Stdio#discard()} for none.
     */
    public ChildProcessSpec stderr(Stdio stdio) {
        return new ChildProcessSpec(command, environment, inheritEnvironment, directory,
                stdin, stdout, Objects.requireNonNull(stdio, "stdio"), bufferSize, loop, newProcessGroup, metrics);
    }

    private static void requireNotCapture(Stdio stdio, String stream) {
        if (Objects.requireNonNull(stdio, "stdio").kind == Stdio.Kind.CAPTURE && !stream.equals("stderr")) {
            throw new IllegalArgumentException("only stderr can be captured; " + stream + " takes pipe, inherit or discard");
        }
    }

    /**
     * Bytes per read from the child and per write to it while the stream is busy;
     * {@value #DEFAULT_BUFFER_SIZE} by default. A stream that says little reads and writes through
     * 4 KiB, so an idle child costs three small buffers, not three of this size.
     */
    public ChildProcessSpec bufferSize(int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("bufferSize > 0 required but it was " + bytes);
        }
        return new ChildProcessSpec(command, environment, inheritEnvironment, directory,
                stdin, stdout, stderr, bytes, loop, newProcessGroup, metrics);
    }

    /** The event loop that watches this child's pipes; {@link EventLoop#shared()} by default. */
    public ChildProcessSpec eventLoop(EventLoop loop) {
        return new ChildProcessSpec(command, environment, inheritEnvironment, directory,
                stdin, stdout, stderr, bufferSize, Objects.requireNonNull(loop, "loop"), newProcessGroup, metrics);
    }

    /** Starts the child in a process group of its own, so signals to this JVM's group miss it. */
    public ChildProcessSpec newProcessGroup(boolean newGroup) {
        return new ChildProcessSpec(command, environment, inheritEnvironment, directory,
                stdin, stdout, stderr, bufferSize, loop, newGroup, metrics);
    }

    /**
     * Starts the child when subscribed. Fails with an {@link io.interflux.IpcException} naming
     * the executable when it cannot be started; no descriptor is left open then.
     */
    public Mono<ChildProcess> start() {
        return Mono.fromCallable(() -> Launcher.launch(this, null, null));
    }

    /**
     * {@link #start()}, blocking the calling thread for at most {@code timeout}: for {@code main}
     * methods and tests only. Never call it on an event-loop or other non-blocking thread
     * (Reactor refuses {@code block()} there); compose {@link #start()} instead.
     */
    public ChildProcess startNow(Duration timeout) {
        return start().block(timeout);
    }

    @Override
    public String toString() {
        return "ChildProcessSpec" + command;
    }

    /**
     * Turns on Micrometer meters for what this spec opens ({@code true}), tagged
     * {@code mechanism=pipe} and {@code name=pipe}; see {@link MetricsRecorder#micrometer(String, String)}
     * for the meters. Off by default, and then nothing of Micrometer is loaded.
     *
     * @throws IllegalStateException when {@code io.micrometer:micrometer-core} is not on the class path
     */
    public ChildProcessSpec metrics(boolean enable) {
        return metrics(Metering.enabled(enable, "pipe"));
    }

    /**
     * Turns on Micrometer meters tagged {@code mechanism=pipe} and {@code name=<name>}: a fixed
     * name of your choosing (1 to 64 characters of {@code [A-Za-z0-9._-]}), never a path or an id.
     *
     * @throws IllegalStateException when {@code io.micrometer:micrometer-core} is not on the class path
     */
    public ChildProcessSpec metrics(String name) {
        return metrics(MetricsRecorder.micrometer("pipe", name));
    }

    /** Reports to a recorder of your own instead of Micrometer's; {@link MetricsRecorder} says what it is told. */
    public ChildProcessSpec metrics(MetricsRecorder recorder) {
        MetricsRecorder metrics = Metering.custom(recorder);
        return new ChildProcessSpec(command, environment, inheritEnvironment, directory, stdin, stdout, stderr, bufferSize, loop, newProcessGroup, metrics);
    }
}
