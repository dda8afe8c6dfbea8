package io.interflux.pipe;

import io.interflux.Codec;
import io.interflux.EventLoop;
import io.interflux.Framing;
import io.interflux.IpcException;
import io.interflux.IpcResource;
import io.interflux.internal.FdReader;
import io.interflux.internal.FdWriter;
import io.interflux.internal.LibC;
import io.interflux.internal.Native;
import io.interflux.internal.Poller;
import io.interflux.internal.Spi;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * This process's own stdin and stdout, as the pipes a parent started it with: the child's side of
 * {@link ChildProcess}. A child JVM that serves its parent reads requests with {@link #receive}
 * and answers with {@link #send}, with the same framing, backpressure and errors as the parent's
 * side.
 *
 * <pre>{@code
 * StandardStreams io = StandardStreams.openNow(Duration.ofSeconds(5));
 * io.send(io.receive(Framing.lines()).map(line -> ("echo " + new String(line)).getBytes()), Framing.lines())
 *   .block();
 * }</pre>
 *
 * <p>Opening takes descriptors 0 and 1 over for good, once per process: it moves them to new
 * descriptors in non-blocking mode, points descriptor 1 at stderr and descriptor 0 at
 * {@code /dev/null}. So a stray {@code System.out.println} goes to stderr instead of corrupting
 * the frames on stdout, and nothing else reads the stream from under Interflux. stdin and stdout
 * must be pipes, FIFOs or sockets (epoll refuses regular files); they are when a parent started
 * this process with {@link Stdio#PIPE}. Non-blocking mode is a property of the open file, so
 * only open this where the pipes are this process's own, as a child's are.
 */
public final class StandardStreams implements IpcResource {

    private static final AtomicBoolean TAKEN = new AtomicBoolean();

    private final FdReader in;
    private final FdWriter out;
    private final Sinks.Empty<Void> disposed = Sinks.empty();
    private final AtomicBoolean disposing = new AtomicBoolean();

    private StandardStreams(Poller poller, int inFd, int outFd, int bufferSize) {
        this.in = new FdReader(poller, inFd, "stdin of this process", bufferSize);
        this.out = new FdWriter(poller, outFd, "stdout of this process", bufferSize);
    }

    /** Takes over stdin and stdout, lazily, on the shared event loop. */
    public static Mono<StandardStreams> open() {
        return open(EventLoop.shared());
    }

    /** Takes over stdin and stdout, lazily, on {@code loop}. */
    public static Mono<StandardStreams> open(EventLoop loop) {
        return Mono.fromCallable(() -> take(loop));
    }

    /** {@link #open()}, blocking for at most {@code timeout}: for {@code main} methods. */
    public static StandardStreams openNow(java.time.Duration timeout) {
        return open().block(timeout);
    }

    private static StandardStreams take(EventLoop loop) {
        if (!TAKEN.compareAndSet(false, true)) {
            throw new IllegalStateException("stdin and stdout of this process are already taken over");
        }
        LibC c = Native.libc();
        int inFd = c.fcntl(0, Native.F_DUPFD_CLOEXEC, 3);
        if (inFd < 0) {
            throw IpcException.fromErrno("fcntl(0, F_DUPFD_CLOEXEC)", "stdin of this process", Native.errno());
        }
        int outFd = c.fcntl(1, Native.F_DUPFD_CLOEXEC, 3);
        if (outFd < 0) {
            int errno = Native.errno();
            c.close(inFd);
            throw IpcException.fromErrno("fcntl(1, F_DUPFD_CLOEXEC)", "stdout of this process", errno);
        }
        try {
            Native.setNonBlocking(inFd, "stdin of this process");
            Native.setNonBlocking(outFd, "stdout of this process");
            if (c.dup2(2, 1) < 0) {
                throw IpcException.fromErrno("dup2(2, 1)", "stdout of this process", Native.errno());
            }
            int nul = c.open("/dev/null", Native.O_RDONLY | Native.O_CLOEXEC, 0);
            if (nul >= 0) {
                c.dup2(nul, 0);
                c.close(nul);
            }
            return new StandardStreams(Spi.poller(loop), inFd, outFd, 64 * 1024);
        } catch (RuntimeException e) {
            c.close(inFd);
            c.close(outFd);
            throw e;
        }
    }

    /** stdin, cut by {@code framing}, read only while there is demand; one subscriber at a time. */
    public Flux<byte[]> receive(Framing framing) {
        return in.receive(framing);
    }

    /** stdin, cut by {@code framing} and decoded by {@code codec}. */
    public <T> Flux<T> receive(Framing framing, Codec<T> codec) {
        return in.receive(framing, codec);
    }

    /** Writes {@code frames} to stdout as it becomes writable. */
    public Mono<Void> send(Publisher<byte[]> frames, Framing framing) {
        return out.send(frames, framing);
    }

    /** Writes {@code values}, encoded by {@code codec}, to stdout. */
    public <T> Mono<Void> send(Publisher<? extends T> values, Framing framing, Codec<T> codec) {
        return Mono.defer(() -> send(Flux.from(values).map(codec::encode), framing));
    }

    /** Closes stdin and stdout: the parent reads end of file. */
    @Override
    public void dispose() {
        if (disposing.compareAndSet(false, true)) {
            in.close();
            out.close();
            disposed.tryEmitEmpty();
        }
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
        return "StandardStreams" + (isDisposed() ? "[disposed]" : "");
    }
}
