package io.interflux.fifo;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.IpcResource;
import io.interflux.internal.FdWriter;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The writing end of a FIFO, connected to at least one reader when it was opened.
 *
 * <p>Obtained from {@link FifoSpec#openWriter()}. Sends run one at a time and leave the FIFO open
 * for the next; {@link #dispose()} closes it, which a {@code cat}-like reader sees as end of stream.
 *
 * @param <T> the values carried, one per frame
 */
public final class FifoWriter<T> implements IpcResource {

    private final Path path;
    private final Framing framing;
    private final Codec<T> codec;
    private final FdWriter sink;
    private final Runnable unlink;
    private final AtomicBoolean disposing = new AtomicBoolean();
    private final Sinks.Empty<Void> disposed = Sinks.empty();
    private final io.interflux.MetricsRecorder metrics;

    FifoWriter(FifoSpec<T> spec, FdWriter sink, Runnable unlink) {
        this.metrics = spec.metrics;
        metrics.opened();
        this.path = spec.path;
        this.framing = spec.framing;
        this.codec = spec.codec;
        this.sink = sink;
        this.unlink = unlink;
    }

    /**
     * Encodes, frames and writes every value, as fast as the readers drain the FIFO: when it is
     * full the publisher is not asked for more until the FIFO is writable again. Completes when
     * the last byte is in the FIFO. Lazy; one send at a time.
     *
     * <p>Fails with an {@link io.interflux.IpcException} carrying {@code EPIPE} when no reader is
     * left (this JVM ignores {@code SIGPIPE}), and, on a FIFO shared by several writers (the
     * default), with {@link io.interflux.FrameTooLargeException} for a frame above
     * {@value Fifo#PIPE_BUF} bytes, framing included, before any of it is written.
     */
    public Mono<Void> send(Publisher<? extends T> values) {
        Objects.requireNonNull(values, "values");
        return sink.send(Flux.from(values).map(codec::encode), framing);
    }

    /**
     * An emitter into the FIFO: {@link io.interflux.Emitter#tryEmitNext(Object)} writes one
     * encoded frame now, whole or not at all. {@code FAIL_OVERFLOW} means the FIFO's buffer (64
     * KiB unless resized) lacks room for the whole frame right now because the readers are
     * behind; nothing was written. {@code FAIL_NON_SERIALIZED} while a {@link #send} runs,
     * {@code FAIL_TERMINATED} once disposed. No reader at all fails with an {@code EPIPE}
     * {@link io.interflux.IpcException}.
     */
    public io.interflux.Emitter<T> emitter() {
        return sink.emitter(framing, codec);
    }

    /** The FIFO's path. */
    public Path path() {
        return path;
    }

    /**
     * Closes the FIFO (a send in progress fails with {@link java.util.concurrent.CancellationException})
     * and, when the spec asks for it and this open created the FIFO, unlinks it. Idempotent.
     */
    @Override
    public void dispose() {
        if (!disposing.compareAndSet(false, true)) {
            return;
        }
        sink.close();
        if (unlink != null) {
            unlink.run();
        }
        metrics.closed();
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

    @Override
    public String toString() {
        return "FifoWriter[" + path + "]";
    }
}
