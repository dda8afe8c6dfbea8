package io.interflux.internal;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.IpcException;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

import java.nio.ByteBuffer;
import java.util.function.BooleanSupplier;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The read half of the fd-stream bridge: a non-blocking descriptor as a {@link Flux} of frames.
 *
 * <p>The descriptor is read only while the subscriber has outstanding demand. Each read fills the
 * free part of one heap buffer, from which frames are cut as they are requested; with no demand
 * the bytes stay in the kernel and the writer on the other side is held back. When a read says
 * {@code EAGAIN} the descriptor is armed once on its poller and the drain resumes on the loop
 * thread when it is readable.
 *
 * <p><b>Memory.</b> The buffer starts at {@code readBufferSize} bytes. It grows only when it is
 * full and holds no complete frame, doubling, but never past the frame's own size when the
 * framing announces it (a length prefix) and never past {@link Framing#largestBuffer()}; so one
 * stream holds at most {@code max(readBufferSize, 2 * largest frame being read)} bytes, and never
 * more than the maximum frame plus its framing. After a long frame the buffer goes back to
 * {@code readBufferSize} once the stream idles ({@code EAGAIN}) or {@value #SMALL_FRAMES_TO_SHRINK}
 * frames in a row fit the small size. Frames are handed on as they are cut, one per unit of
 * demand: the reader queues none, so what downstream prefetch holds is the only other memory.
 * A read never asks for zero bytes, so a zero-byte read always means end of stream.
 *
 * <p>One subscriber at a time. When its subscription ends (complete, error or cancel) the
 * descriptor is closed, so a process writing to it sees {@code EPIPE}, as with {@code head} in a
 * shell pipeline.
 */
public final class FdReader {

    /**
     * Reads one drain may make before it hands the rest to the loop: a fast stream with unbounded
     * demand must neither monopolise a loop thread nor keep a subscriber's thread inside
     * {@code request}.
     */
    static final int READS_PER_DRAIN = 16;

    /** Frames in a row that fit the initial buffer before a grown buffer is given back. */
    static final int SMALL_FRAMES_TO_SHRINK = 16;

    private static final int NEW = 0, SUBSCRIBED = 1, CLOSED = 2;

    private final Poller poller;
    private final int fd;
    private final String description;
    private final int readBufferSize;
    private final BooleanSupplier endOfStream;
    private final AtomicReference<Object> state = new AtomicReference<>(NEW);

    /**
     * @param fd             a descriptor in non-blocking mode; this reader owns and closes it
     * @param description    what the descriptor is, for errors: {@code "stdout of ls [pid 42]"}
     * @param readBufferSize the most bytes one read asks for
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
        this.endOfStream = endOfStream;
        if (readBufferSize <= 0) {
            throw new IllegalArgumentException("readBufferSize > 0 required but it was " + readBufferSize);
        }
        this.poller = poller;
        this.fd = fd;
        this.description = description;
        this.readBufferSize = readBufferSize;
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
        return new FluxFdRead<>(this, framing, codec);
    }

    /**
     * Closes the descriptor. A current subscriber is completed first, on its drain, so no read
     * can race the close. Idempotent.
     */
    public void close() {
        for (;;) {
            Object s = state.get();
            if (s instanceof ReadSubscription) {
                ((ReadSubscription) s).closeFromOwner();
                return;
            }
            if (s.equals(CLOSED)) {
                return;
            }
            if (state.compareAndSet(NEW, CLOSED)) {
                Native.libc().close(fd);
                return;
            }
        }
    }

    /** Whether the descriptor is closed. */
    public boolean isClosed() {
        return state.get().equals(CLOSED);
    }

    /** What the descriptor is, as errors name it. */
    public String description() {
        return description;
    }

    /** The descriptor number, while open. */
    public int fd() {
        return fd;
    }

    static final class FluxFdRead<T> extends Flux<T> {
        private final FdReader reader;
        private final Framing framing;
        private final Codec<T> codec;

        FluxFdRead(FdReader reader, Framing framing, Codec<T> codec) {
            this.reader = reader;
            this.framing = java.util.Objects.requireNonNull(framing, "framing");
            this.codec = java.util.Objects.requireNonNull(codec, "codec");
        }

        @Override
        public void subscribe(CoreSubscriber<? super T> actual) {
            ReadSubscription<T> s = new ReadSubscription<>(reader, framing, codec, actual);
            if (!reader.state.compareAndSet(NEW, s)) {
                Object st = reader.state.get();
                Operators.error(actual, new IllegalStateException(st.equals(CLOSED)
                        ? reader.description + " is closed"
                        : reader.description + " allows only one subscriber at a time"));
                return;
            }
            actual.onSubscribe(s);
        }
    }

    static final class ReadSubscription<T> implements org.reactivestreams.Subscription, ReadyHandler {
        private final FdReader reader;
        private final CoreSubscriber<? super T> actual;
        private final FrameDecoder decoder;
        private final Codec<T> codec;
        private final int initialSize;
        private final int largestSize;
        private ByteBuffer buffer;
        private int smallFrames;
        private final Registration registration;
        private boolean eof;
        private final Runnable drainTask = this::drain;
        private boolean terminated;

        volatile boolean cancelled;
        volatile boolean ownerClosed;
        /** The poller reported a hang-up: the writer may be gone, so the end may come without a read. */
        volatile boolean hangup;
        volatile long requested;
        @SuppressWarnings("rawtypes")
        static final AtomicLongFieldUpdater<ReadSubscription> REQUESTED =
                AtomicLongFieldUpdater.newUpdater(ReadSubscription.class, "requested");
        volatile int wip;
        @SuppressWarnings("rawtypes")
        static final AtomicIntegerFieldUpdater<ReadSubscription> WIP =
                AtomicIntegerFieldUpdater.newUpdater(ReadSubscription.class, "wip");

        ReadSubscription(FdReader reader, Framing framing, Codec<T> codec, CoreSubscriber<? super T> actual) {
            this.reader = reader;
            this.actual = actual;
            this.codec = codec;
            this.decoder = framing.newDecoder(reader.description);
            this.initialSize = reader.readBufferSize;
            this.largestSize = Math.max(initialSize, framing.largestBuffer());
            // a heap buffer: frames are cut out with Arrays.copyOfRange, which the JIT fills
            // without zeroing the new array first (a direct buffer would cost one more pass)
            this.buffer = ByteBuffer.allocate(initialSize);
            this.buffer.flip(); // read mode, empty
            // edge-triggered: the drain reads until EAGAIN before it waits, and drains again on request
            this.registration = reader.poller.registerEdgeTriggered(reader.fd, this);
        }

        @Override
        public void request(long n) {
            if (Operators.validate(n)) {
                Operators.addCap(REQUESTED, this, n);
                drain();
            }
        }

        @Override
        public void cancel() {
            cancelled = true;
            drain();
        }

        void closeFromOwner() {
            ownerClosed = true;
            drain();
        }

        @Override
        public void ready(int events) {
            if ((events & (Poller.EPOLLHUP | Poller.EPOLLERR)) != 0) {
                hangup = true;
            }
            drain();
        }

        /*
         * Serialised by wip: whichever thread wins (a requester, the loop after readiness, a
         * canceller) reads and emits; the others leave a missed count behind. Reads are
         * non-blocking, so running the drain on a requester's thread is safe and saves a hop.
         */
        private void drain() {
            if (WIP.getAndIncrement(this) != 0) {
                return;
            }
            int missed = 1;
            for (;;) {
                if (!terminated) {
                    drainOnce();
                }
                missed = WIP.addAndGet(this, -missed);
                if (missed == 0) {
                    return;
                }
            }
        }

        private void drainOnce() {
            if (cancelled) {
                release();
                return;
            }
            if (ownerClosed) {
                release();
                actual.onComplete();
                return;
            }
            long r = requested;
            long e = 0;
            int reads = 0;
            while (e != r) {
                T value;
                int frameLength = 0;
                try {
                    ByteBuffer frame = eof ? decoder.decodeLast(buffer) : decoder.decode(buffer);
                    frameLength = frame == null ? 0 : frame.remaining();
                    // the frame is a view of the read buffer: decoded here, before the next read
                    value = frame == null ? null
                            : java.util.Objects.requireNonNull(codec.decode(frame), "the codec decoded a frame to null");
                } catch (RuntimeException ex) {
                    fail(ex);
                    return;
                }
                if (value != null) {
                    if (buffer.capacity() > initialSize) {
                        giveBackAfterSmallFrames(frameLength);
                    }
                    actual.onNext(value);
                    e++;
                    if (cancelled || ownerClosed) {
                        return; // the next pass releases
                    }
                    continue;
                }
                if (eof) {
                    release();
                    actual.onComplete();
                    return;
                }
                if (++reads > READS_PER_DRAIN) {
                    reader.poller.execute(drainTask);
                    break;
                }
                long n;
                try {
                    n = fill();
                } catch (RuntimeException ex) {
                    fail(ex);
                    return;
                }
                if (n > 0) {
                    continue;
                }
                if (n == 0) {
                    if (reader.endOfStream == null || reader.endOfStream.getAsBoolean()) {
                        eof = true;
                        continue;
                    }
                    // no writer right now, more may come: wait as for EAGAIN
                    registration.arm(Poller.EPOLLIN);
                    break;
                }
                int errno = (int) -n;
                if (errno == Native.EAGAIN) {
                    if (buffer.capacity() > initialSize) {
                        shrink(); // idle: give a grown buffer back
                    }
                    registration.arm(Poller.EPOLLIN);
                    break;
                }
                fail(IpcException.fromErrno("read", reader.description, errno));
                return;
            }
            if (e != 0 && r != Long.MAX_VALUE) {
                REQUESTED.addAndGet(this, -e);
            }
            if (!eof && e == r) {
                // demand met: stay registered (free after the first time, edge-triggered) so a
                // writer that leaves now is heard of, and the stream completes without a request
                registration.arm(Poller.EPOLLIN);
            }
            if (!eof && hangup && !buffer.hasRemaining() && requested == 0 && nothingLeftToRead()) {
                // every frame was taken and the writer is gone: complete now rather than at the next request
                eof = true;
            }
            if (eof && !buffer.hasRemaining()) {
                release();
                actual.onComplete();
            }
        }

        /**
         * One read into the free part of the buffer, grown first when it is full: bytes read, 0 at
         * end of stream, or -errno.
         */
        private long fill() {
            if (buffer.position() == 0 && buffer.limit() == buffer.capacity()) {
                grow();
            }
            buffer.compact();
            long n;
            for (;;) {
                n = Native.libc().read(reader.fd, buffer, buffer.remaining());
                if (n >= 0) {
                    buffer.position(buffer.position() + (int) n);
                    break;
                }
                int errno = Native.errno();
                if (errno != Native.EINTR) {
                    n = -errno;
                    break;
                }
            }
            buffer.flip();
            return n;
        }

        /**
         * Whether the descriptor holds no byte and has no writer left (a hang-up without pending
         * input), asked without reading, so no demand is needed; and whether the owner's
         * end-of-stream rule agrees (a persistent FIFO never ends so).
         */
        private boolean nothingLeftToRead() {
            int ready = Native.readyNow(reader.fd);
            return ready > 0 && (ready & Native.POLLIN) == 0 && (ready & Native.POLLHUP) != 0
                    && (reader.endOfStream == null || reader.endOfStream.getAsBoolean());
        }

        /** The read buffer's current size, for tests of its growth. */
        int bufferCapacity() {
            return buffer.capacity();
        }

        /** The buffer is full and holds no whole frame: make room for more of it. */
        private void grow() {
            int capacity = buffer.capacity();
            if (capacity >= largestSize) {
                // the decoder refuses a frame before it outgrows largestSize; reading 0 bytes
                // now would pass for end of stream, so never do it
                throw new IllegalStateException("read buffer of " + reader.description + " is full ("
                        + capacity + " bytes) and holds no whole frame");
            }
            long wanted = 2L * capacity;
            long announced = decoder.frameSize(buffer);
            if (announced > capacity) {
                wanted = Math.min(wanted, announced);
            }
            resize((int) Math.min(wanted, largestSize));
        }

        /** Counts frames that fit the initial buffer; after enough in a row, gives the big buffer back. */
        private void giveBackAfterSmallFrames(int frameLength) {
            if (frameLength > initialSize / 2) {
                smallFrames = 0;
            } else if (++smallFrames >= SMALL_FRAMES_TO_SHRINK) {
                // the frame is a view of the buffer: decoded already, so the buffer may change
                shrink();
            }
        }

        private void shrink() {
            if (buffer.remaining() <= initialSize / 2) {
                resize(initialSize);
                smallFrames = 0;
            }
        }

        /** Moves the unread bytes (read mode) into a buffer of {@code capacity} bytes. */
        private void resize(int capacity) {
            ByteBuffer next = ByteBuffer.allocate(capacity);
            next.put(buffer);
            next.flip();
            buffer = next;
        }

        private void fail(Throwable t) {
            release();
            actual.onError(t);
        }

        private void release() {
            if (terminated) {
                return;
            }
            terminated = true;
            registration.cancel();
            reader.state.set(CLOSED);
            Native.libc().close(reader.fd);
        }
    }
}
