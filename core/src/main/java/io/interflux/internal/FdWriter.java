package io.interflux.internal;

import io.interflux.Codec;
import io.interflux.Emitter;
import io.interflux.Framing;
import io.interflux.internal.drain.Lifecycle;
import io.interflux.internal.drain.MessageSend;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The write half of the fd-stream bridge: frames from a {@link Publisher} written to a
 * non-blocking descriptor as fast as the kernel accepts them, and no faster; the byte-stream case
 * of core's one drain ({@link MessageSend} with a {@link ByteSink}).
 *
 * <p>A send requests at most {@value #DEFAULT_PREFETCH} frames ahead, copies them into one write
 * buffer, writes until the kernel answers {@code EAGAIN}, arms the descriptor for writability and
 * only then goes on; frames are requested again as they are written (75% replenish). Memory is
 * bounded by the buffer plus the prefetched frames.
 *
 * <p>One send at a time; the descriptor stays open after a send completes, for the next one,
 * until {@link #close()}. A send that ends early (cancelled, or failed by its publisher) after
 * part of a frame reached the kernel leaves the rest with the writer, and the next send writes
 * it first: the stream never carries a torn frame followed by another.
 */
public final class FdWriter {

    /**
     * Payload bytes from which a frame is written straight from its array instead of through the
     * buffer: a large chunk costs one copy less.
     */
    static final int DIRECT_WRITE_THRESHOLD = 16 * 1024;

    /** Frames a send requests ahead of what it has written. */
    public static final int DEFAULT_PREFETCH = 256;

    private final String description;
    private final Lifecycle lifecycle;
    private final ByteSink sink;
    private final AtomicBoolean sending = new AtomicBoolean();

    /**
     * @param fd          a descriptor in non-blocking mode; this writer owns and closes it
     * @param description what the descriptor is, for errors: {@code "stdin of cat [pid 42]"}
     * @param bufferSize  bytes gathered into one {@code write(2)} (a writer that has sent only
     *                    frames that fit {@value ByteSink#SMALL_BUFFER} bytes holds that much)
     */
    public FdWriter(Poller poller, int fd, String description, int bufferSize) {
        this(poller, fd, description, bufferSize, 0);
    }

    /**
     * A writer whose every {@code write(2)} carries whole frames only, at most
     * {@code atomicWriteLimit} bytes: with {@code PIPE_BUF} (4096) the kernel puts each write into
     * a pipe or FIFO in one piece, so frames from several writers never interleave. A frame whose
     * encoded size is over the limit fails the send before any of it is written.
     *
     * @param atomicWriteLimit 0 for no limit (writes are as large as the buffer, frames may span them)
     */
    public FdWriter(Poller poller, int fd, String description, int bufferSize, int atomicWriteLimit) {
        if (bufferSize <= 0) {
            throw new IllegalArgumentException("bufferSize > 0 required but it was " + bufferSize);
        }
        if (atomicWriteLimit < 0) {
            throw new IllegalArgumentException("atomicWriteLimit >= 0 required but it was " + atomicWriteLimit);
        }
        this.description = description;
        this.sink = new ByteSink(poller, fd, description,
                atomicWriteLimit > 0 ? Math.min(bufferSize, atomicWriteLimit) : bufferSize, atomicWriteLimit,
                () -> sending.set(false));
        this.lifecycle = new Lifecycle(description, () -> {
            sink.readiness().release();
            Native.libc().close(fd);
        });
    }

    /**
     * Reports the bytes written, frames sent and waits on a full pipe to {@code metrics}. Called
     * by the owner before it hands the writer out; returns this writer.
     */
    public FdWriter metered(io.interflux.MetricsRecorder metrics) {
        sink.metrics = Objects.requireNonNull(metrics, "metrics");
        return this;
    }

    /**
     * Writes every frame of {@code frames}; completes when the last byte is in the kernel. Lazy:
     * nothing happens until subscribed. Fails with {@link io.interflux.DisposedException} once the
     * writer is closed, and with {@link IllegalStateException} while another send runs.
     */
    public Mono<Void> send(Publisher<byte[]> frames, Framing framing) {
        Objects.requireNonNull(frames, "frames");
        Objects.requireNonNull(framing, "framing");
        return Mono.defer(() -> {
            if (lifecycle.isDisposed()) {
                return Mono.error(new io.interflux.DisposedException(description));
            }
            if (!sending.compareAndSet(false, true)) {
                return Mono.error(new IllegalStateException("a send to " + description + " is already in progress"));
            }
            sink.use(Spi.encoder(framing));
            return new MessageSend<>(description, lifecycle, frames, () -> sink, s -> sink.readiness(), DEFAULT_PREFETCH)
                    .metered(sink.metrics);
        });
    }

    /**
     * An emitter of values framed by {@code framing}: {@link Emitter#tryEmitNext(Object)} writes
     * one frame now, whole (when the pipe has room for all of it) or not at all
     * ({@code FAIL_OVERFLOW}), and answers {@code FAIL_NON_SERIALIZED} while a send or another
     * emission uses the writer, {@code FAIL_TERMINATED} once it is closed. A frame larger than
     * the pipe's capacity throws {@link io.interflux.FrameTooLargeException}: only a send can
     * write it, in parts.
     */
    public <T> Emitter<T> emitter(Framing framing, Codec<T> codec) {
        FrameEncoder encoder = Spi.encoder(Objects.requireNonNull(framing, "framing"));
        Objects.requireNonNull(codec, "codec");
        return new Emitter<T>() {
            @Override
            public Sinks.EmitResult tryEmitNext(T value) {
                byte[] frame = Objects.requireNonNull(codec.encode(value), "the codec encoded a value to null");
                if (!lifecycle.enter()) {
                    return Sinks.EmitResult.FAIL_TERMINATED;
                }
                try {
                    if (!sending.compareAndSet(false, true)) {
                        return Sinks.EmitResult.FAIL_NON_SERIALIZED;
                    }
                    try {
                        Sinks.EmitResult r = sink.tryWriteWhole(encoder, frame);
                        if (r == Sinks.EmitResult.OK) {
                            sink.metrics.messagesSent(1);
                        }
                        return r;
                    } finally {
                        sending.set(false);
                    }
                } finally {
                    lifecycle.exit();
                }
            }

            @Override
            public String describe() {
                return description;
            }
        };
    }

    /**
     * Closes the descriptor so the reader sees end of stream. A send in progress fails with a
     * {@link java.util.concurrent.CancellationException}, and the descriptor is closed once its
     * drain has let go of it. Idempotent.
     */
    public void close() {
        lifecycle.dispose();
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return lifecycle.isDisposed();
    }

    /** The write buffer's size, for tests of its growth; 0 before the first send. */
    int bufferCapacity() {
        return sink.bufferCapacity();
    }
}
