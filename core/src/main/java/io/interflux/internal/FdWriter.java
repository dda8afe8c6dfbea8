package io.interflux.internal;

import io.interflux.FrameTooLargeException;
import io.interflux.Framing;
import io.interflux.IpcException;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.concurrent.Queues;
import reactor.util.context.Context;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The write half of the fd-stream bridge: frames from a {@link Publisher} written to a
 * non-blocking descriptor as fast as the kernel accepts them, and no faster.
 *
 * <p>A send requests at most {@code prefetch} frames ahead, copies them into one write buffer,
 * writes until the kernel answers {@code EAGAIN}, arms the descriptor for writability and only
 * then goes on; frames are requested again as they are written (75% replenish). Memory is
 * bounded by the buffer plus {@code prefetch} frames.
 *
 * <p>One send at a time; the descriptor stays open after a send completes, for the next one,
 * until {@link #close()}.
 */
public final class FdWriter {

    /** Writes one drain may make before it hands the rest to the loop, so a fast pair cannot monopolise a thread. */
    static final int WRITES_PER_DRAIN = 16;

    /**
     * Payload bytes from which a frame is written straight from its array instead of through the
     * buffer: a large chunk costs one copy less.
     */
    static final int DIRECT_WRITE_THRESHOLD = 16 * 1024;

    /** Frames a send requests ahead of what it has written. */
    public static final int DEFAULT_PREFETCH = 256;

    private static final Object IDLE = new Object();
    private static final Object CLOSED = new Object();

    private final Poller poller;
    private final int fd;
    private final String description;
    private final int bufferSize;
    private final int atomicWriteLimit;
    private final AtomicReference<Object> state = new AtomicReference<>(IDLE);
    private volatile boolean closeRequested;
    /** One registration and one buffer serve every send: sends are sequential, so they never share them at once. */
    private final Registration registration;
    private ByteBuffer buffer;
    private long bufferAddress;

    /**
     * @param fd          a descriptor in non-blocking mode; this writer owns and closes it
     * @param description what the descriptor is, for errors: {@code "stdin of cat [pid 42]"}
     * @param bufferSize  bytes gathered into one {@code write(2)}
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
        this.poller = poller;
        this.fd = fd;
        this.description = description;
        this.atomicWriteLimit = atomicWriteLimit;
        this.bufferSize = atomicWriteLimit > 0 ? Math.min(bufferSize, atomicWriteLimit) : bufferSize;
        // edge-triggered: a send writes until EAGAIN before it waits, and a new send starts writing at once
        this.registration = poller.registerEdgeTriggered(fd, events -> {
            Object current = state.get();
            if (current instanceof WriteSubscriber) {
                ((WriteSubscriber) current).drain();
            }
        });
    }

    /** The write buffer, allocated by the first send. Called only by the send that owns the writer. */
    private ByteBuffer buffer() {
        if (buffer == null) {
            buffer = ByteBuffer.allocateDirect(bufferSize);
            bufferAddress = Native.address(buffer);
        }
        return buffer;
    }

    /**
     * Writes every frame of {@code frames}; completes when the last byte is in the kernel. Lazy:
     * nothing happens until subscribed.
     */
    public Mono<Void> send(Publisher<byte[]> frames, Framing framing) {
        Objects.requireNonNull(frames, "frames");
        Objects.requireNonNull(framing, "framing");
        return new MonoFdWrite(this, frames, framing);
    }

    /**
     * Closes the descriptor so the reader sees end of stream. A send in progress fails with a
     * {@link java.util.concurrent.CancellationException}. Idempotent.
     */
    public void close() {
        closeRequested = true;
        for (;;) {
            Object s = state.get();
            if (s == CLOSED) {
                return;
            }
            if (s instanceof WriteSubscriber) {
                ((WriteSubscriber) s).closeFromOwner();
                // a send that already finished hands the writer back to IDLE and then sees
                // closeRequested in finish(); if it has done so already, close it here
                if (state.get() == s) {
                    return;
                }
                continue;
            }
            if (closeIfIdle()) {
                return;
            }
        }
    }

    /** Closes the descriptor if no send holds the writer; exactly one caller wins. */
    private boolean closeIfIdle() {
        if (state.compareAndSet(IDLE, CLOSED)) {
            registration.cancel();
            Native.libc().close(fd);
            return true;
        }
        return false;
    }

    /** Whether the descriptor is closed. */
    public boolean isClosed() {
        return state.get() == CLOSED;
    }

    static final class MonoFdWrite extends Mono<Void> {
        private final FdWriter writer;
        private final Publisher<byte[]> frames;
        private final Framing framing;

        MonoFdWrite(FdWriter writer, Publisher<byte[]> frames, Framing framing) {
            this.writer = writer;
            this.frames = frames;
            this.framing = framing;
        }

        @Override
        public void subscribe(CoreSubscriber<? super Void> actual) {
            WriteSubscriber w = new WriteSubscriber(writer, framing, actual);
            if (writer.closeRequested || !writer.state.compareAndSet(IDLE, w)) {
                Object s = writer.state.get();
                Operators.error(actual, s == CLOSED || writer.closeRequested
                        ? IpcException.fromErrno("write", writer.description, Native.EPIPE_CLOSED_LOCALLY)
                        : new IllegalStateException("a send to " + writer.description + " is already in progress"));
                return;
            }
            frames.subscribe(w);
        }
    }

    static final class WriteSubscriber implements CoreSubscriber<byte[]>, Subscription {
        private final FdWriter writer;
        private final CoreSubscriber<? super Void> actual;
        private final io.interflux.internal.FrameEncoder encoder;
        private final Queue<byte[]> queue;
        private final int limit;
        private ByteBuffer buffer;
        private long bufferAddress;
        private Subscription upstream;
        private int consumed;
        private final Runnable drainTask = this::drain;

        /* the frame being copied into the buffer: prefix, payload, suffix and how far we are */
        private byte[] pendingPrefix;
        private byte[] pendingPayload;
        private byte[] pendingSuffix;
        private int pendingOffset;
        /** Set by fillBuffer when the rest of the pending payload should be written from its array. */
        private boolean directWrite;

        private boolean terminated;
        volatile boolean done;
        Throwable error;
        volatile boolean cancelled;
        volatile boolean ownerClosed;
        volatile int wip;
        static final AtomicIntegerFieldUpdater<WriteSubscriber> WIP =
                AtomicIntegerFieldUpdater.newUpdater(WriteSubscriber.class, "wip");

        WriteSubscriber(FdWriter writer, Framing framing, CoreSubscriber<? super Void> actual) {
            this.writer = writer;
            this.actual = actual;
            this.encoder = framing.encoder();
            this.queue = Queues.<byte[]>get(DEFAULT_PREFETCH).get();
            this.limit = DEFAULT_PREFETCH - (DEFAULT_PREFETCH >> 2);
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
        }

        @Override
        public void onSubscribe(Subscription s) {
            if (Operators.validate(upstream, s)) {
                upstream = s;
                // the writer is ours alone from here on (state holds this subscriber)
                buffer = writer.buffer();
                bufferAddress = writer.bufferAddress;
                buffer.clear();
                actual.onSubscribe(this);
                s.request(DEFAULT_PREFETCH);
            }
        }

        @Override
        public void onNext(byte[] frame) {
            if (done) {
                Operators.onNextDropped(frame, actual.currentContext());
                return;
            }
            if (!queue.offer(frame)) {
                error = Operators.onOperatorError(upstream, reactor.core.Exceptions.failWithOverflow(),
                        frame, actual.currentContext());
                done = true;
            }
            drain();
        }

        @Override
        public void onError(Throwable t) {
            if (done) {
                Operators.onErrorDropped(t, actual.currentContext());
                return;
            }
            error = t;
            done = true;
            drain();
        }

        @Override
        public void onComplete() {
            if (done) {
                return;
            }
            done = true;
            drain();
        }

        /** Mono<Void> needs no demand; the frames' demand is ours to manage. */
        @Override
        public void request(long n) {
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

        void drain() {
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
            int writes = 0;
            for (;;) {
                if (cancelled) {
                    upstream.cancel();
                    finish(false);
                    return;
                }
                if (ownerClosed) {
                    upstream.cancel();
                    finish(true);
                    actual.onError(new java.util.concurrent.CancellationException(
                            writer.description + " was closed while a send was in progress"));
                    return;
                }
                boolean d = done;
                try {
                    fillBuffer();
                } catch (RuntimeException ex) {
                    upstream.cancel();
                    finish(false);
                    if (!cancelled) {
                        actual.onError(ex);
                    }
                    return;
                }
                if (buffer.position() > 0 || directWrite) {
                    if (++writes > WRITES_PER_DRAIN) {
                        writer.poller.execute(drainTask);
                        return;
                    }
                    int errno = buffer.position() > 0 ? flush() : writeDirect();
                    if (errno == 0) {
                        continue;
                    }
                    if (errno == Native.EAGAIN) {
                        writer.registration.arm(Poller.EPOLLOUT);
                        return;
                    }
                    upstream.cancel();
                    finish(false);
                    if (cancelled) {
                        return; // the subscriber left: an EPIPE after a cancel is expected, and owed to no one
                    }
                    actual.onError(errno == Native.EPIPE
                            ? new IpcException("write", writer.description, errno,
                                "the reading end is closed: the peer exited or stopped reading")
                            : IpcException.fromErrno("write", writer.description, errno));
                    return;
                }
                if (pendingPayload == null && queue.isEmpty()) {
                    if (d) {
                        finish(false);
                        Throwable e = error;
                        if (e != null) {
                            actual.onError(e);
                        } else {
                            actual.onComplete();
                        }
                    }
                    return;
                }
            }
        }

        /**
         * Copies queued frames into the buffer until it is full or nothing is left, or stops at a
         * large payload ({@link #directWrite}). With an atomic write limit a frame is never split
         * across two writes: one that does not fit waits for the next, empty, buffer.
         */
        private void fillBuffer() {
            directWrite = false;
            int atomic = writer.atomicWriteLimit;
            while (buffer.hasRemaining()) {
                if (pendingPayload == null) {
                    byte[] frame = queue.poll();
                    if (frame == null) {
                        return;
                    }
                    encoder.check(frame, writer.description);
                    if (++consumed == limit) {
                        consumed = 0;
                        upstream.request(limit);
                    }
                    byte[] prefix = encoder.prefix(frame);
                    byte[] suffix = encoder.suffix();
                    int total = prefix.length + frame.length + suffix.length;
                    if (atomic > 0 && total > atomic) {
                        throw new FrameTooLargeException("frame written atomically (at most PIPE_BUF bytes with its framing,"
                                + " so that several writers never interleave; singleWriter(true) lifts it)",
                                writer.description, atomic, total);
                    }
                    if (buffer.remaining() >= total) {
                        buffer.put(prefix).put(frame).put(suffix);
                        continue;
                    }
                    pendingPrefix = prefix;
                    pendingPayload = frame;
                    pendingSuffix = suffix;
                    pendingOffset = 0;
                }
                if (atomic > 0 && buffer.position() > 0) {
                    return; // the whole frame goes into the next write
                }
                if (!copyPending()) {
                    return;
                }
            }
        }

        /**
         * Copies as much of the pending frame as fits, across its three segments; false when it
         * stopped before a large payload, to be written from its array ({@link #directWrite} set
         * when the buffer is empty, otherwise the buffer is flushed first).
         */
        private boolean copyPending() {
            int total = pendingPrefix.length + pendingPayload.length + pendingSuffix.length;
            while (buffer.hasRemaining() && pendingOffset < total) {
                byte[] seg;
                int at = pendingOffset;
                if (at < pendingPrefix.length) {
                    seg = pendingPrefix;
                } else if ((at -= pendingPrefix.length) < pendingPayload.length) {
                    seg = pendingPayload;
                    if (writer.atomicWriteLimit == 0 && seg.length - at >= DIRECT_WRITE_THRESHOLD) {
                        directWrite = buffer.position() == 0;
                        return false;
                    }
                } else {
                    at -= pendingPayload.length;
                    seg = pendingSuffix;
                }
                int n = Math.min(buffer.remaining(), seg.length - at);
                buffer.put(seg, at, n);
                pendingOffset += n;
            }
            if (pendingOffset == total) {
                pendingPrefix = pendingPayload = pendingSuffix = null;
            }
            return true;
        }

        /** Writes the rest of the pending payload from its own array: 0 when done, else the errno. */
        private int writeDirect() {
            int at = pendingOffset - pendingPrefix.length;
            ByteBuffer rest = ByteBuffer.wrap(pendingPayload, at, pendingPayload.length - at);
            while (rest.hasRemaining()) {
                long n = Native.libc().write(writer.fd, rest, rest.remaining());
                if (n >= 0) {
                    rest.position(rest.position() + (int) n);
                    pendingOffset += (int) n;
                    continue;
                }
                int errno = Native.errno();
                if (errno != Native.EINTR) {
                    return errno;
                }
            }
            directWrite = false;
            if (pendingSuffix.length == 0) {
                pendingPrefix = pendingPayload = pendingSuffix = null;
            }
            return 0;
        }

        /** Writes the buffer: 0 when all of it went out, otherwise the errno that stopped it. */
        private int flush() {
            buffer.flip();
            try {
                while (buffer.hasRemaining()) {
                    long n = Native.libc().write(writer.fd, bufferAddress + buffer.position(), buffer.remaining());
                    if (n >= 0) {
                        buffer.position(buffer.position() + (int) n);
                        continue;
                    }
                    int errno = Native.errno();
                    if (errno != Native.EINTR) {
                        return errno;
                    }
                }
                return 0;
            } finally {
                buffer.compact();
            }
        }

        private void finish(boolean closeDescriptor) {
            terminated = true;
            queue.clear();
            if (buffer != null) {
                buffer.clear(); // a cancelled send's partial bytes are dropped, not sent by the next one
            }
            if (closeDescriptor) {
                writer.registration.cancel();
                writer.state.set(CLOSED);
                Native.libc().close(writer.fd);
            } else if (writer.state.compareAndSet(this, IDLE) && writer.closeRequested) {
                writer.closeIfIdle();
            }
        }
    }
}
