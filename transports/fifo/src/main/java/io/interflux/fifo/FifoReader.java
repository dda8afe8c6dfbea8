package io.interflux.fifo;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.IpcResource;
import io.interflux.internal.FdReader;
import io.interflux.internal.Native;
import io.interflux.internal.Poller;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The reading end of a FIFO, open and waiting for writers.
 *
 * <p>It holds one descriptor, opened {@code O_RDONLY}, so read permission on the FIFO is all it
 * needs, as for {@code cat}. A read of 0 bytes means only that no writer has the FIFO open right
 * now; the reader tells the end of the stream from the kernel's hang-up flag ({@code POLLHUP},
 * asked with a zero-timeout {@code poll(2)}), which Linux raises for a non-blocking reader only
 * once a writer it has seen has left. So a {@code cat}-like reader waits, quietly on the event
 * loop, for its first writer, and completes when the last writer closes, even one that wrote
 * nothing; a persistent reader ignores writers leaving and waits for the next one.
 *
 * <p>Obtained from {@link FifoSpec#openReader()}; {@link #dispose()} closes the descriptor and,
 * when the spec asks and this open created it, unlinks the FIFO.
 *
 * @param <T> the values carried, one per frame
 */
public final class FifoReader<T> implements IpcResource {

    private final Path path;
    private final Framing framing;
    private final Codec<T> codec;
    private final FdReader reader;
    private final Runnable unlink;
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private final AtomicBoolean disposing = new AtomicBoolean();
    private final Sinks.Empty<Void> disposed = Sinks.empty();
    private final io.interflux.MetricsRecorder metrics;

    FifoReader(FifoSpec<T> spec, Poller poller, int readFd, Runnable unlink) {
        this.path = spec.path;
        this.framing = spec.framing;
        this.codec = spec.codec;
        this.unlink = unlink;
        this.reader = new FdReader(poller, readFd, "FIFO " + path, spec.bufferSize,
                spec.persistent ? () -> false : () -> writersLeft(readFd), this::closed).metered(spec.metrics);
        this.metrics = spec.metrics;
        metrics.opened();
    }

    /**
     * The descriptor is closed: the stream ended or dispose was called. Unlinks (when asked) here,
     * before a subscriber hears of the end, so one that opens the same path next never meets
     * this FIFO only to see it unlinked under it.
     */
    private void closed() {
        disposing.set(true);
        metrics.closed();
        if (unlink != null) {
            unlink.run();
        }
        disposed.tryEmitEmpty();
    }

    /** Whether a writer this reader has seen has left and none is connected: {@code cat}'s end of file. */
    private static boolean writersLeft(int fd) {
        int ready = Native.readyNow(fd);
        return ready > 0 && (ready & Native.POLLHUP) != 0;
    }

    /**
     * The FIFO's frames, decoded. The FIFO is read only while there is outstanding demand: with
     * none, its writers fill the kernel buffer (64 KiB by default) and are then held back.
     * Subscribe once; when the subscription ends (completion, error, cancel) this reader is
     * disposed, and writers still writing get {@code EPIPE}.
     *
     * <p>Completes, in the default mode, once a writer has come and every writer has closed the
     * FIFO, as {@code cat} does; a persistent reader never completes by itself. A last line
     * without its terminator is delivered as a line unless the framing is
     * {@linkplain Framing#strict() strict}. A frame larger than the
     * framing allows fails the stream with {@link io.interflux.FrameTooLargeException}.
     */
    public Flux<T> receive() {
        return Flux.defer(() -> {
            if (!subscribed.compareAndSet(false, true)) {
                return Flux.error(new IllegalStateException("FIFO " + path + " allows one receive() per reader"));
            }
            // frames are decoded in place in the read buffer, see Codec#decode(ByteBuffer)
            return reader.receive(framing, codec); // its end closes the reader, see closed()
        });
    }

    /** The FIFO's path. */
    public Path path() {
        return path;
    }

    /**
     * Closes the FIFO (a current {@link #receive()} completes) and, when the spec asks for it and
     * this open created the FIFO, unlinks it. Never blocks; idempotent.
     */
    @Override
    public void dispose() {
        if (disposing.compareAndSet(false, true)) {
            reader.close(); // closed() follows, once a current receive has let go of the descriptor
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
        return "FifoReader[" + path + "]";
    }
}
