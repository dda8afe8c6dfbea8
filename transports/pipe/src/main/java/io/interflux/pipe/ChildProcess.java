package io.interflux.pipe;

import io.interflux.internal.Spi;
import io.interflux.internal.Errno;
import io.interflux.Codec;
import io.interflux.EventLoop;
import io.interflux.Framing;
import io.interflux.IpcException;
import io.interflux.IpcResource;
import io.interflux.UnixSignal;
import io.interflux.internal.FdReader;
import io.interflux.internal.FdWriter;
import io.interflux.internal.Native;
import io.interflux.internal.Poller;
import io.interflux.internal.Registration;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A running child process whose standard streams are non-blocking pipes on the event loop.
 *
 * <p>No thread is spent per process or per stream: {@link #stdout(Framing)} reads only while its
 * subscriber has demand (a child writing faster than you consume blocks in {@code write(2)});
 * {@link #send(Publisher)} writes only as fast as the child reads; {@link #exit()} is signalled
 * by a {@code pidfd} on the same loop, and the child is always reaped.
 *
 * <pre>{@code
 * ChildProcess.command("ls", "-1").start()
 *     .flatMapMany(ls -> ls.stdout(Framing.lines(), Codec.utf8()))
 *     .filter(name -> name.contains("python"))
 *     .subscribe(System.out::println);
 * }</pre>
 */
public final class ChildProcess implements IpcResource {

    /** How long {@link #succeeded()} waits after the exit for a captured stderr to end. */
    static final long STDERR_GRACE_MILLIS = 200;

    private final ChildProcessSpec spec;
    private final int pid;
    private final int pidfd;
    private final String name;
    private final FdWriter stdin;
    private final FdReader stdout;
    private final FdReader stderr;
    /** The kept end of a captured stderr, or {@code null} when stderr is not captured. */
    private final StderrTail stderrTail;
    private FdReader stderrCapture;
    private final Registration exitRegistration;
    private final Sinks.One<Integer> exit = Sinks.one();
    private final Sinks.Empty<Void> disposed = Sinks.empty();
    private final AtomicBoolean disposing = new AtomicBoolean();
    private volatile boolean exited;

    ChildProcess(ChildProcessSpec spec, int pid, EventLoop loop, int stdinFd, int stdoutFd, int stderrFd) {
        this.spec = spec;
        this.pid = pid;
        this.name = spec.command.get(0) + " [pid " + pid + "]";
        Poller poller = Spi.poller(loop);
        // the child's streams report to one recorder: bytes in are stdout and stderr, bytes out stdin
        this.stdin = stdinFd < 0 ? null
                : new FdWriter(poller, stdinFd, "stdin of " + name, spec.bufferSize).metered(spec.metrics);
        this.stdout = stdoutFd < 0 ? null
                : new FdReader(poller, stdoutFd, "stdout of " + name, spec.bufferSize).metered(spec.metrics);
        FdReader err = stderrFd < 0 ? null : new FdReader(poller, stderrFd, "stderr of " + name, spec.bufferSize);
        if (err != null && spec.stderr.kind != Stdio.Kind.CAPTURE) {
            err.metered(spec.metrics); // a captured stderr is ours, not a stream a subscriber reads
        }
        if (err != null && spec.stderr.kind == Stdio.Kind.CAPTURE) {
            this.stderr = null;
            this.stderrTail = capture(err, spec.stderr.captureBytes);
        } else {
            this.stderr = err;
            this.stderrTail = null;
        }
        int fd = Native.pidfdOpen(pid);
        if (fd < 0) {
            int errno = Native.errno();
            // without a pidfd we cannot watch the child: do not leave it running unobserved
            Native.libc().kill(pid, UnixSignal.SIGKILL.number());
            Native.libc().waitpid(pid, new int[1], 0);
            closeStreams();
            throw errno == Errno.ENOSYS
                    ? new UnsupportedOperationException("child processes need pidfd_open(2), Linux 5.3 or newer")
                    : IpcException.fromErrno("pidfd_open", name, errno);
        }
        this.pidfd = fd;
        spec.metrics.opened(); // a running child, until it is reaped: before the arm, which may reap it at once
        this.exitRegistration = poller.register(pidfd, events -> reap());
        this.exitRegistration.arm(Poller.EPOLLIN);
    }

    /**
     * Drains a captured stderr on the loop as it fills, without demand from anyone, into a tail of
     * {@code bytes}: the child can never block on it. The reader is closed at end of file or by
     * {@link #dispose()}.
     */
    private StderrTail capture(FdReader reader, int bytes) {
        StderrTail tail = new StderrTail(bytes);
        stderrCapture = reader;
        reader.receive(Framing.raw()).subscribe(tail::append, e -> tail.end(), tail::end);
        return tail;
    }

    /** A spec for the command {@code argv[0]} with arguments; the executable is looked up in {@code PATH}. */
    public static ChildProcessSpec command(String... argv) {
        return command(Arrays.asList(argv));
    }

    /** A spec for the command {@code argv.get(0)} with arguments. */
    public static ChildProcessSpec command(List<String> argv) {
        Objects.requireNonNull(argv, "argv");
        if (argv.isEmpty() || argv.get(0) == null || argv.get(0).isEmpty()) {
            throw new IllegalArgumentException("a command needs an executable name, but it was " + argv);
        }
        for (String a : argv) {
            if (Objects.requireNonNull(a, "argument").indexOf('\0') >= 0) {
                throw new IllegalArgumentException("arguments may not contain NUL: " + a);
            }
        }
        return new ChildProcessSpec(List.copyOf(argv));
    }

    /** The child's process id. */
    public int pid() {
        return pid;
    }

    /** The command this child was started with. */
    public List<String> command() {
        return spec.command;
    }

    /** The child's stdout as raw chunks of at most the spec's buffer size. */
    public Flux<byte[]> stdout() {
        return stdout(Framing.raw());
    }

    /**
     * The child's stdout cut into frames. Reads only while there is demand. Subscribe once: when
     * the subscription ends the pipe is closed, and a child still writing gets {@code SIGPIPE}.
     * Completes at end of stream (the child closed its stdout, usually by exiting).
     */
    public Flux<byte[]> stdout(Framing framing) {
        return piped(stdout, "stdout").receive(framing);
    }

    /**
     * The child's stdout decoded into values. Frames are decoded in place in the read buffer
     * ({@link Codec#decode(java.nio.ByteBuffer)}), so a codec that reads the buffer directly costs
     * no copy.
     */
    public <T> Flux<T> stdout(Framing framing, Codec<T> codec) {
        return piped(stdout, "stdout").receive(framing, codec);
    }

    /** The child's stderr as raw chunks. */
    public Flux<byte[]> stderr() {
        return stderr(Framing.raw());
    }

    /** The child's stderr cut into frames; see {@link #stdout(Framing)}. */
    public Flux<byte[]> stderr(Framing framing) {
        return piped(stderr, "stderr").receive(framing);
    }

    /** The child's stderr decoded into values, in place; see {@link #stdout(Framing, Codec)}. */
    public <T> Flux<T> stderr(Framing framing, Codec<T> codec) {
        return piped(stderr, "stderr").receive(framing, codec);
    }

    /**
     * Writes raw bytes to the child's stdin, as fast as the child reads them. Completes when the
     * last byte is in the pipe; stdin stays open for another send until {@link #closeStdin()}.
     * A child that has exited or closed its stdin fails the send with an {@link IpcException}
     * carrying {@code EPIPE}; this JVM is never signalled.
     *
     * <p>For request/response, where the next frame is emitted when a reply arrives (on the
     * event loop) while another thread may still be emitting, feed the send from
     * {@code Flux.create}, whose sink serialises emitters; a {@code Sinks.many().unicast()} sink
     * rejects such overlapping emissions with {@code FAIL_NON_SERIALIZED}.
     */
    public Mono<Void> send(Publisher<byte[]> chunks) {
        return stdinWriter().send(chunks, Framing.raw());
    }

    /** Writes frames to the child's stdin; see {@link #send(Publisher)}. */
    public Mono<Void> send(Publisher<byte[]> frames, Framing framing) {
        return stdinWriter().send(frames, framing);
    }

    /** Writes values to the child's stdin, each encoded and framed; see {@link #send(Publisher)}. */
    public <T> Mono<Void> send(Publisher<? extends T> values, Framing framing, Codec<T> codec) {
        Objects.requireNonNull(codec, "codec");
        return stdinWriter().send(Flux.from(values).map(codec::encode), framing);
    }

    /**
     * An emitter into the child's stdin: {@link io.interflux.Emitter#tryEmitNext(Object)} writes
     * one encoded frame now, whole or not at all. {@code FAIL_OVERFLOW} means the stdin pipe
     * (64 KiB) lacks room for the whole frame because the child reads slower; nothing was
     * written. {@code FAIL_NON_SERIALIZED} while a {@link #send} runs, {@code FAIL_TERMINATED}
     * once stdin is closed; a child that has exited fails it with an {@code EPIPE}
     * {@link IpcException}.
     */
    public <T> io.interflux.Emitter<T> stdinEmitter(Framing framing, Codec<T> codec) {
        return stdinWriter().emitter(framing, codec);
    }

    /** Sends the values, then closes stdin so the child reads end of input. */
    public <T> Mono<Void> sendAndClose(Publisher<? extends T> values, Framing framing, Codec<T> codec) {
        return send(values, framing, codec).then(closeStdin());
    }

    /** Closes the child's stdin: it reads end of input. */
    public Mono<Void> closeStdin() {
        return Mono.fromRunnable(() -> stdinWriter().close());
    }

    /**
     * The exit status: the exit code, or 128 + the signal number when a signal ended the child
     * (as a shell reports it). Completes once; every subscriber sees the same value.
     */
    public Mono<Integer> exit() {
        return exit.asMono();
    }

    /**
     * Completes, without a value, when the child exits with status 0; fails with a
     * {@link ChildExitException} carrying the status and, when stderr is captured (the default),
     * the last bytes the child wrote there. Typed to follow an output stream:
     *
     * <pre>{@code
     * Flux<String> lines = child.stdout(Framing.lines(), Codec.utf8()).concatWith(child.succeeded());
     * }</pre>
     *
     * After the exit it waits for the captured stderr to reach end of file, for at most
     * {@value #STDERR_GRACE_MILLIS} ms (a grandchild may hold it open), so the message is whole.
     */
    public <T> Mono<T> succeeded() {
        return exit.asMono().flatMap(status -> {
            if (status == 0) {
                return Mono.<T>empty();
            }
            Mono<Void> stderrDone = stderrTail == null ? Mono.empty()
                    : stderrTail.ended().timeout(Duration.ofMillis(STDERR_GRACE_MILLIS), Mono.empty());
            return stderrDone.then(Mono.<T>error(() -> new ChildExitException(name, status,
                    stderrTail == null ? "" : stderrTail.text(), stderrTail == null ? 0 : stderrTail.total(),
                    spec.stderr)));
        });
    }

    /**
     * The last bytes (at most the capture size) the child has written to its captured stderr so
     * far, as UTF-8 text; empty when stderr is not captured.
     */
    public String capturedStderr() {
        return stderrTail == null ? "" : stderrTail.text();
    }

    /** Whether the child has exited and been reaped. */
    public boolean hasExited() {
        return exited;
    }

    /**
     * Sends {@code signal} to the child through its pidfd, so a recycled pid can never be hit.
     * Fails with {@code ESRCH} once the child has been reaped.
     */
    public Mono<Void> signal(UnixSignal signal) {
        Objects.requireNonNull(signal, "signal");
        return Mono.fromRunnable(() -> {
            if (exited || Native.pidfdSendSignal(pidfd, signal.number()) < 0) {
                int errno = exited ? Errno.ESRCH : Native.errno();
                throw new IpcException("pidfd_send_signal", name + ", " + signal, errno,
                        errno == Errno.ESRCH ? "the process has exited" : null);
            }
        });
    }

    /**
     * Closes this side of every pipe and, when the child is still running, kills it with
     * {@code SIGKILL}. {@link #onDispose()} completes once the child is reaped.
     */
    @Override
    public void dispose() {
        if (!disposing.compareAndSet(false, true)) {
            return;
        }
        closeStreams();
        if (!exited) {
            Native.pidfdSendSignal(pidfd, UnixSignal.SIGKILL.number());
        }
        exit.asMono().subscribe(code -> disposed.tryEmitEmpty(), e -> disposed.tryEmitEmpty());
    }

    @Override
    public boolean isDisposed() {
        return disposing.get();
    }

    @Override
    public Mono<Void> onDispose() {
        return disposed.asMono();
    }

    @Override
    public String toString() {
        return "ChildProcess[" + name + "]";
    }

    private void closeStreams() {
        if (stdin != null) {
            stdin.close();
        }
        if (stdout != null) {
            stdout.close();
        }
        if (stderr != null) {
            stderr.close();
        }
        if (stderrCapture != null) {
            stderrCapture.close();
        }
    }

    private FdWriter stdinWriter() {
        if (stdin == null) {
            throw new IllegalStateException("stdin of " + name + " is not a pipe (it was started with stdin " + spec.stdin + ")");
        }
        return stdin;
    }

    private FdReader piped(FdReader reader, String stream) {
        if (reader == null && stream.equals("stderr") && stderrTail != null) {
            throw new IllegalStateException("stderr of " + name + " is captured (the default): its last bytes go into"
                    + " the ChildExitException of succeeded(); start it with stderr(Stdio.pipe()) to read it");
        }
        if (reader == null) {
            throw new IllegalStateException(stream + " of " + name + " is not a pipe; start it with " + stream + "(Stdio.pipe())");
        }
        return reader;
    }

    /** On the loop: the pidfd is readable, so the child has terminated. */
    private void reap() {
        int[] status = new int[1];
        int r = Native.libc().waitpid(pid, status, Native.WNOHANG);
        if (r == 0) {
            exitRegistration.arm(Poller.EPOLLIN);
            return;
        }
        exitRegistration.cancel();
        Native.libc().close(pidfd);
        exited = true;
        spec.metrics.closed();
        if (r < 0) {
            exit.tryEmitError(IpcException.fromErrno("waitpid", name, Native.errno()));
            return;
        }
        int s = status[0];
        int termsig = s & 0x7f;
        exit.tryEmitValue(termsig == 0 ? (s >> 8) & 0xff : 128 + termsig);
    }
}
