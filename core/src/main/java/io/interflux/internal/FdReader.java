package io.interflux.internal;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.IpcException;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The read half of the fd-stream bridge: a non-blocking descriptor as a {@link Flux} of frames.
 *
 * <p>The descriptor is read only while the subscriber has outstanding demand. Each read fills one
 * buffer of {@code max(readBufferSize, framing.minBufferSize())} bytes, from which frames are cut
 * as they are requested; with no demand the bytes stay in the kernel and the writer on the other
 * side is held back. When a read says {@code EAGAIN} the descriptor is armed once on its poller
 * and the drain resumes on the loop thread when it is readable.
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

    private static final int NEW = 0, SUBSCRIBED = 1, CLOSED = 2;

    private final Poller poller;
    private final int fd;
    private final String description;
    private final int readBufferSize;
    private final Runnable onFirstBytes;
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
     * @param onFirstBytes run once, on the drain, right after the first read that returned bytes
     *                     (a FIFO reader drops its placeholder writer there); may be {@code null}
     */
    public FdReader(Poller poller, int fd, String description, int readBufferSize, Runnable onFirstBytes) {
        this.onFirstBytes = onFirstBytes;
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
        private final ByteBuffer buffer;
        private final Registration registration;
        private boolean eof;
        private boolean sawBytes;
        private final Runnable drainTask = this::drain;
        private boolean terminated;

        volatile boolean cancelled;
        volatile boolean ownerClosed;
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
            this.decoder = framing.newDecoder();
            int size = Math.max(reader.readBufferSize, framing.minBufferSize());
            // a heap buffer: frames are cut out with Arrays.copyOfRange, which the JIT fills
            // without zeroing the new array first (a direct buffer would cost one more pass)
            this.buffer = ByteBuffer.allocate(size);
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
                try {
                    ByteBuffer frame = eof ? decoder.decodeLast(buffer) : decoder.decode(buffer);
                    // the frame is a view of the read buffer: decoded here, before the next read
                    value = frame == null ? null
                            : java.util.Objects.requireNonNull(codec.decode(frame), "the codec decoded a frame to null");
                } catch (RuntimeException ex) {
                    fail(ex);
                    return;
                }
                if (value != null) {
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
                long n = fill();
                if (n > 0) {
                    if (!sawBytes) {
                        sawBytes = true;
                        if (reader.onFirstBytes != null) {
                            reader.onFirstBytes.run();
                        }
                    }
                    continue;
                }
                if (n == 0) {
                    eof = true;
                    continue;
                }
                int errno = (int) -n;
                if (errno == Native.EAGAIN) {
                    registration.arm(Poller.EPOLLIN);
                    break;
                }
                fail(IpcException.fromErrno("read", reader.description, errno));
                return;
            }
            if (e != 0 && r != Long.MAX_VALUE) {
                REQUESTED.addAndGet(this, -e);
            }
            if (eof && !buffer.hasRemaining()) {
                release();
                actual.onComplete();
            }
        }

        /** One read into the free part of the buffer: bytes read, 0 at end of stream, or -errno. */
        private long fill() {
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
