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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The reading end of a FIFO, open and waiting for writers.
 *
 * <p>Besides its read descriptor it holds a <em>placeholder</em> descriptor open for writing on
 * the same FIFO. Linux reports end of file to a reader while no writer has the FIFO open, and
 * hang-up forever after the last one leaves; with the placeholder there is always a writer, so an
 * idle FIFO just reads {@code EAGAIN} and the event loop waits quietly. A persistent reader keeps
 * the placeholder to the end; a {@code cat}-like reader drops it as soon as the first bytes
 * arrive, so the stream completes when the last real writer closes.
 *
 * <p>Obtained from {@link FifoSpec#openReader()}; {@link #dispose()} closes both descriptors and,
 * when the spec asks and this open created it, unlinks the FIFO.
 *
 * @param <T> the values carried, one per frame
 */
public final class FifoReader<T> implements IpcResource {

    private final Path path;
    private final Framing framing;
    private final Codec<T> codec;
    private final FdReader reader;
    private final AtomicInteger placeholderFd;
    private final Runnable unlink;
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private final AtomicBoolean disposing = new AtomicBoolean();
    private final Sinks.Empty<Void> disposed = Sinks.empty();

    FifoReader(FifoSpec<T> spec, Poller poller, int readFd, int placeholderFd, Runnable unlink) {
        this.path = spec.path;
        this.framing = spec.framing;
        this.codec = spec.codec;
        this.placeholderFd = new AtomicInteger(placeholderFd);
        this.unlink = unlink;
        this.reader = new FdReader(poller, readFd, "FIFO " + path, spec.bufferSize,
                spec.persistent ? null : this::dropPlaceholder);
    }

    /**
     * The FIFO's frames, decoded. The FIFO is read only while there is outstanding demand: with
     * none, its writers fill the kernel buffer (64 KiB by default) and are then held back.
     * Subscribe once; when the subscription ends (completion, error, cancel) this reader is
     * disposed, and writers still writing get {@code EPIPE}.
     *
     * <p>Completes, in the default mode, once the first bytes have arrived and every writer has
     * closed the FIFO; a persistent reader never completes by itself. A frame larger than the
     * framing allows fails the stream with {@link io.interflux.FrameTooLargeException}.
     */
    public Flux<T> receive() {
        return Flux.defer(() -> {
            if (!subscribed.compareAndSet(false, true)) {
                return Flux.error(new IllegalStateException("FIFO " + path + " allows one receive() per reader"));
            }
            // frames are decoded in place in the read buffer, see Codec#decode(ByteBuffer)
            return reader.receive(framing, codec).doFinally(signal -> dispose());
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
        if (!disposing.compareAndSet(false, true)) {
            return;
        }
        reader.close();
        dropPlaceholder();
        if (unlink != null) {
            unlink.run();
        }
        disposed.tryEmitEmpty();
    }

    @Override
    public boolean isDisposed() {
        return disposing.get();
    }

    @Override
    public Mono<Void> onDispose() {
        return disposed.asMono();
    }

    /** Closes the placeholder writer once, whoever gets here first: the first bytes or dispose. */
    private void dropPlaceholder() {
        int fd = placeholderFd.getAndSet(-1);
        if (fd >= 0) {
            Native.libc().close(fd);
        }
    }

    @Override
    public String toString() {
        return "FifoReader[" + path + "]";
    }
}
