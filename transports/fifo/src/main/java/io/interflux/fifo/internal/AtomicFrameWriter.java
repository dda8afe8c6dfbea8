package io.interflux.fifo.internal;

import io.interflux.FrameTooLargeException;
import io.interflux.Framing;
import io.interflux.IpcException;
import io.interflux.internal.FdWriter;
import io.interflux.internal.FrameEncoder;
import io.interflux.internal.Native;
import io.interflux.internal.Poller;
import io.interflux.internal.ReadyHandler;
import io.interflux.internal.Registration;
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
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A FIFO writer that shares the FIFO with other writers without ever splitting a frame.
 *
 * <p>The kernel writes at most {@value #PIPE_BUF} bytes to a pipe atomically: a non-blocking
 * {@code write(2)} of that size either goes in whole or fails with {@code EAGAIN}. This writer
 * therefore gathers <em>whole</em> encoded frames into each {@code write(2)}, never more than
 * {@value #PIPE_BUF} bytes, so another process writing to the same FIFO can only land between
 * frames. A frame whose encoded size (framing bytes included) exceeds {@value #PIPE_BUF} fails the
 * send with {@link FrameTooLargeException}; nothing of it is written.
 *
 * <p>It differs from core's {@link FdWriter} only there: {@code FdWriter} fills its buffer to the
 * brim, cutting the last frame across two writes, which is right for a pipe with one writer and
 * wrong for a shared FIFO. Backpressure is the same: at most {@link FdWriter#DEFAULT_PREFETCH}
 * frames ahead, {@code EAGAIN} arms the descriptor for {@code EPOLLOUT} once, a closed reading end
 * fails the send with an {@code EPIPE} {@link IpcException}.
 */
public final class AtomicFrameWriter {

    /** The largest write a pipe or FIFO takes atomically on Linux. */
    public static final int PIPE_BUF = 4096;

    private static final Object IDLE = new Object();
    private static final Object CLOSED = new Object();

    private final Poller poller;
    private final int fd;
    private final String description;
    private final AtomicReference<Object> state = new AtomicReference<>(IDLE);
    private volatile boolean closeRequested;

    /** @param fd a non-blocking descriptor open for writing; this writer owns and closes it */
    public AtomicFrameWriter(Poller poller, int fd, String description) {
        this.poller = Objects.requireNonNull(poller, "poller");
        this.fd = fd;
        this.description = description;
    }

    /** Writes every frame, each whole in one {@code write(2)} with other whole frames. One send at a time. */
    public Mono<Void> send(Publisher<byte[]> frames, Framing framing) {
        Objects.requireNonNull(frames, "frames");
        Objects.requireNonNull(framing, "framing");
        return new Mono<Void>() {
            @Override
            public void subscribe(CoreSubscriber<? super Void> actual) {
                Sender s = new Sender(framing.encoder(), actual);
                if (closeRequested || !state.compareAndSet(IDLE, s)) {
                    Operators.error(actual, state.get() == CLOSED
                            ? IpcException.fromErrno("write", description, Native.EPIPE_CLOSED_LOCALLY)
                            : new IllegalStateException("a send to " + description + " is already in progress"));
                    return;
                }
                frames.subscribe(s);
            }
        };
    }

    /** Closes the descriptor; a send in progress fails with {@link CancellationException}. Idempotent. */
    public void close() {
        closeRequested = true;
        for (;;) {
            Object s = state.get();
            if (s == CLOSED) {
                return;
            }
            if (s instanceof Sender) {
                ((Sender) s).closeFromOwner();
                // a send finishing right now hands back IDLE and then sees closeRequested in
                // finish(); if it already did, the descriptor is ours to close on the next pass
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

    /** Closes the descriptor when no send holds it; exactly one caller wins. */
    private boolean closeIfIdle() {
        if (state.compareAndSet(IDLE, CLOSED)) {
            Native.libc().close(fd);
            return true;
        }
        return false;
    }

    final class Sender implements CoreSubscriber<byte[]>, Subscription, ReadyHandler {
        private final FrameEncoder encoder;
        private final CoreSubscriber<? super Void> actual;
        private final Queue<byte[]> queue = Queues.<byte[]>get(FdWriter.DEFAULT_PREFETCH).get();
        private final int limit = FdWriter.DEFAULT_PREFETCH - (FdWriter.DEFAULT_PREFETCH >> 2);
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(PIPE_BUF);
        private final long address = Native.address(buffer);
        private Registration registration;
        private Subscription upstream;
        private int consumed;
        private byte[] held; // a frame that did not fit after the frames already gathered
        private boolean terminated;

        volatile boolean done;
        Throwable error;
        volatile boolean cancelled;
        volatile boolean ownerClosed;
        volatile int wip;
        @SuppressWarnings("rawtypes")
        static final AtomicIntegerFieldUpdater<Sender> WIP =
                AtomicIntegerFieldUpdater.newUpdater(Sender.class, "wip");

        Sender(FrameEncoder encoder, CoreSubscriber<? super Void> actual) {
            this.encoder = encoder;
            this.actual = actual;
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
        }

        @Override
        public void onSubscribe(Subscription s) {
            if (Operators.validate(upstream, s)) {
                upstream = s;
                registration = poller.register(fd, this);
                actual.onSubscribe(this);
                s.request(FdWriter.DEFAULT_PREFETCH);
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
            done = true;
            drain();
        }

        @Override
        public void request(long n) {
            // Mono<Void>: the frames' demand is ours
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

        /* Serialised by wip like core's FdWriter: one thread writes, the others leave a missed count. */
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
            for (;;) {
                if (cancelled) {
                    upstream.cancel();
                    finish(false);
                    return;
                }
                if (ownerClosed) {
                    upstream.cancel();
                    finish(true);
                    actual.onError(new CancellationException(description + " was closed while a send was in progress"));
                    return;
                }
                boolean d = done;
                try {
                    gather();
                } catch (RuntimeException ex) {
                    fail(ex);
                    return;
                }
                if (buffer.position() > 0) {
                    int errno = writeWhole();
                    if (errno == 0) {
                        continue;
                    }
                    if (errno == Native.EAGAIN) {
                        registration.arm(Poller.EPOLLOUT);
                        return;
                    }
                    fail(errno == Native.EPIPE
                            ? new IpcException("write", description, errno,
                                "the reading end is closed: no process has the FIFO open for reading any more")
                            : IpcException.fromErrno("write", description, errno));
                    return;
                }
                if (held == null && queue.isEmpty()) {
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

        /** Ends the send with {@code e}, unless its subscriber already cancelled and no longer listens. */
        private void fail(Throwable e) {
            upstream.cancel();
            finish(false);
            if (!cancelled) {
                actual.onError(e);
            }
        }

        /** Appends whole frames while they fit; the first that does not waits in {@code held}. */
        private void gather() {
            for (;;) {
                byte[] frame = held;
                if (frame == null) {
                    frame = queue.poll();
                    if (frame == null) {
                        return;
                    }
                    encoder.check(frame);
                    if (++consumed == limit) {
                        consumed = 0;
                        upstream.request(limit);
                    }
                }
                byte[] prefix = encoder.prefix(frame);
                byte[] suffix = encoder.suffix();
                int size = prefix.length + frame.length + suffix.length;
                if (size > PIPE_BUF) {
                    throw new FrameTooLargeException("a frame on a FIFO shared by several writers (PIPE_BUF, "
                            + "framing included; declare singleWriter() to lift it)", PIPE_BUF, size);
                }
                if (size > buffer.remaining()) {
                    held = frame;
                    return;
                }
                held = null;
                buffer.put(prefix).put(frame).put(suffix);
            }
        }

        /** One {@code write(2)} of the gathered frames: 0 when written, else the errno (nothing written). */
        private int writeWhole() {
            int length = buffer.position();
            int off = 0;
            while (off < length) {
                long n = Native.libc().write(fd, address + off, length - off);
                if (n >= 0) {
                    off += (int) n; // whole, as writes of at most PIPE_BUF are atomic; looping is defensive
                    continue;
                }
                int errno = Native.errno();
                if (errno == Native.EINTR) {
                    continue;
                }
                if (off > 0) {
                    buffer.position(off).limit(length);
                    buffer.compact();
                }
                return errno;
            }
            buffer.clear();
            return 0;
        }

        private void finish(boolean closeDescriptor) {
            terminated = true;
            queue.clear();
            held = null;
            if (registration != null) {
                registration.cancel();
            }
            if (closeDescriptor) {
                state.set(CLOSED);
                Native.libc().close(fd);
            } else if (state.compareAndSet(this, IDLE) && closeRequested) {
                closeIfIdle();
            }
        }
    }
}
