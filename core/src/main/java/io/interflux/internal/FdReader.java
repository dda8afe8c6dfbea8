package io.interflux.internal;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.IpcException;
import io.interflux.MetricsRecorder;
import io.interflux.internal.metrics.Metering;
import io.interflux.internal.drain.Lifecycle;
import io.interflux.internal.drain.MessageReceive;
import reactor.core.publisher.Flux;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * The read half of the fd-stream bridge: a non-blocking descriptor as a {@link Flux} of frames,
 * the byte-stream case of core's one drain ({@link MessageReceive} with a {@link FrameSource}).
 *
 * <p>The descriptor is read only while the subscriber has outstanding demand. Each read fills the
 * free part of one heap buffer, from which frames are cut as they are requested; with no demand
 * the bytes stay in the kernel and the writer on the other side is held back. When a read says
 * {@code EAGAIN} the descriptor is armed once on its poller and the drain resumes on the loop
 * thread when it is readable.
 *
 * <p><b>Memory.</b> The buffer starts small ({@value FrameSource#SMALL_BUFFER} bytes, or
 * {@code readBufferSize} when that is less), so a stream that says little, a child's stderr
 * say, holds no more. A read that fills it means more is waiting: from then on reads ask for
 * {@code readBufferSize}, until {@value FrameSource#SMALL_READS_TO_SHRINK} reads in a row bring
 * half the small size or less and it goes back. It grows past {@code readBufferSize} only when it
 * is full and holds no complete frame, doubling, but never past the frame's own size when the
 * framing announces it (a length prefix) and never past {@link Framing#largestBuffer()}; so one
 * stream holds at most {@code max(readBufferSize, 2 * largest frame being read)} bytes, and never
 * more than the maximum frame plus its framing. After a long frame the buffer goes back to
 * {@code readBufferSize} once the stream idles ({@code EAGAIN}) or
 * {@value FrameSource#SMALL_FRAMES_TO_SHRINK} frames in a row fit that size. Frames are
 * handed on as they are cut, one per unit of demand: the reader queues none, so what downstream
 * prefetch holds is the only other memory. A read never asks for zero bytes, so a zero-byte read
 * always means end of stream (or, for a FIFO, no writer right now).
 *
 * <p>One subscriber, once. When its subscription ends (complete, error or cancel) the
 * descriptor is closed, so a process writing to it sees {@code EPIPE}, as with {@code head} in a
 * shell pipeline.
 */
public final class FdReader {

    final Poller poller;
    final int fd;
    final String description;
    final int readBufferSize;
    final BooleanSupplier endOfStream;
    private final Lifecycle lifecycle;
    private final AtomicBoolean subscribed = new AtomicBoolean();
    /** Where the stream's counts go; set by the owner before it hands the reader out. */
    MetricsRecorder metrics = Metering.NONE;
    /** The source of the subscription, for tests of its buffer. */
    volatile FrameSource<?> source;

    /**
     * @param fd             a descriptor in non-blocking mode; this reader owns and closes it
     * @param description    what the descriptor is, for errors: {@code "stdout of ls [pid 42]"}
     * @param readBufferSize the most bytes one read of a busy stream asks for (a quiet one reads
     *                       into {@value FrameSource#SMALL_BUFFER} bytes)
     */
    public FdReader(Poller poller, int fd, String description, int readBufferSize) {
        this(poller, fd, description, readBufferSize, null);
    }

    /**
     * @param endOfStream asked on the drain when a read returns 0 bytes: {@code true} when that is
     *                    the end of the stream, {@code false} when the descriptor only has no
     *                    writer right now (a FIFO between writers) and the reader should wait
     *                    for readiness; {@code null} when 0 bytes always mean the end (a pipe)
     */
    public FdReader(Poller poller, int fd, String description, int readBufferSize, BooleanSupplier endOfStream) {
        this(poller, fd, description, readBufferSize, endOfStream, null);
    }

    /**
     * @param onClosed run once right after the descriptor is closed (the stream's end, or
     *                 {@link #close()}), before a subscriber hears of the end: an owner that
     *                 removes a named object then removes it before anyone can reopen the name
     *                 and meet the old one; {@code null} for nothing
     */
    public FdReader(Poller poller, int fd, String description, int readBufferSize, BooleanSupplier endOfStream,
                    Runnable onClosed) {
        if (readBufferSize <= 0) {
            throw new IllegalArgumentException("readBufferSize > 0 required but it was " + readBufferSize);
        }
        this.poller = poller;
        this.fd = fd;
        this.description = description;
        this.readBufferSize = readBufferSize;
        this.endOfStream = endOfStream;
        this.lifecycle = new Lifecycle(description, () -> {
            Native.libc().close(fd);
            if (onClosed != null) {
                onClosed.run();
            }
        });
    }

    /**
     * Reports the bytes read and frames delivered to {@code metrics}. Called by the owner before
     * it hands the reader out; returns this reader.
     */
    public FdReader metered(MetricsRecorder metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        return this;
    }

    /** The frames of the descriptor; may be subscribed once. */
    public Flux<byte[]> receive(Framing framing) {
        return receive(framing, Codec.bytes());
    }

    /**
     * The frames of the descriptor decoded in place by {@code codec}
     * ({@link Codec#decode(ByteBuffer)}); may be subscribed once.
     */
    public <T> Flux<T> receive(Framing framing, Codec<T> codec) {
        Objects.requireNonNull(framing, "framing");
        Objects.requireNonNull(codec, "codec");
        MessageReceive<T> frames = new MessageReceive<>(description, lifecycle,
                () -> {
                    FrameSource<T> s = new FrameSource<>(this, framing, codec);
                    source = s;
                    return s;
                }, s -> ((FrameSource<T>) s).readiness()).disposingOnEnd() // the stream's end closes the descriptor
                .metered(metrics);
        return Flux.defer(() -> {
            if (!subscribed.compareAndSet(false, true)) {
                return Flux.error(lifecycle.isDisposed() ? new io.interflux.DisposedException(description)
                        : new IllegalStateException(description + " allows only one subscriber"));
            }
            return frames;
        });
    }

    /**
     * Closes the descriptor. A current subscriber is completed first, on its drain, so no read
     * can race the close. Idempotent.
     */
    public void close() {
        lifecycle.dispose();
    }

    /** Whether {@link #close()} was called or the stream has ended. */
    public boolean isClosed() {
        return lifecycle.isDisposed();
    }

    /** What the descriptor is, as errors name it. */
    public String description() {
        return description;
    }

    /** The descriptor number, while open. */
    public int fd() {
        return fd;
    }

    static IpcException readFailure(String description, int errno) {
        return IpcException.fromErrno("read", description, errno);
    }
}
