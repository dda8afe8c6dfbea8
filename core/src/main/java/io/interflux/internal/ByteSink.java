package io.interflux.internal;

import io.interflux.FrameTooLargeException;
import io.interflux.IpcException;
import io.interflux.internal.drain.MessageSink;
import io.interflux.internal.drain.WorkBudget;

import java.nio.ByteBuffer;

/**
 * The byte-stream sink of the one drain: encodes frames, gathers them into one direct buffer and
 * writes it to a non-blocking descriptor; a large payload is written from its own array. With an
 * atomic limit (PIPE_BUF) every write carries whole frames only. Its sends wait on the
 * descriptor's {@link EdgeReadiness}, armed for {@code EPOLLOUT} when the kernel says {@code EAGAIN}.
 * One per {@link FdWriter}, used by its sends one after another.
 */
final class ByteSink implements MessageSink<byte[]> {

    private final int fd;
    private final String description;
    private final int bufferSize;
    private final int atomic;
    private final Runnable onReleased;
    private final EdgeReadiness readiness;
    private FrameEncoder encoder;
    /** Set by the writer before its first send. */
    io.interflux.MetricsRecorder metrics = io.interflux.internal.metrics.Metering.NONE;
    private ByteBuffer buffer;
    private long bufferAddress;

    /* the frame being moved into the buffer or the kernel: prefix, payload, suffix and how far */
    private byte[] pendingPrefix;
    private byte[] pendingPayload;
    private byte[] pendingSuffix;
    private int pendingOffset;

    ByteSink(Poller poller, int fd, String description, int bufferSize, int atomic, Runnable onReleased) {
        this.fd = fd;
        this.description = description;
        this.bufferSize = bufferSize;
        this.atomic = atomic;
        this.onReleased = onReleased;
        // edge-triggered: a send writes until EAGAIN before it waits, and a new send starts writing at once
        this.readiness = new EdgeReadiness(poller, fd, Poller.EPOLLOUT, false);
    }

    /** What an unlimited writer's buffer starts at: a stream that says little holds no more. */
    static final int SMALL_BUFFER = 4096;

    /**
     * The framing of the send about to start; its buffer is allocated by the first, at
     * {@value #SMALL_BUFFER} bytes (or {@code bufferSize} when that is less, and always for
     * atomic writes, whose buffer is the atomic limit), grown to {@code bufferSize} the first time
     * a frame does not fit in what is left of it: a busy writer gathers that much per write.
     */
    void use(FrameEncoder encoder) {
        this.encoder = encoder;
        if (buffer == null) {
            buffer = ByteBuffer.allocateDirect(atomic > 0 ? bufferSize : Math.min(SMALL_BUFFER, bufferSize));
            bufferAddress = Native.address(buffer);
        }
    }

    /** Grows a small buffer to {@code bufferSize}, keeping what it gathered: {@code true} when it grew. */
    private boolean grow() {
        if (atomic > 0 || buffer.capacity() >= bufferSize) {
            return false;
        }
        ByteBuffer bigger = ByteBuffer.allocateDirect(bufferSize);
        long address = Native.address(bigger); // at position 0: jnr's address follows the position
        buffer.flip();
        bigger.put(buffer);
        buffer = bigger;
        bufferAddress = address;
        return true;
    }

    /** The write buffer's size, for tests of its growth; 0 before the first send. */
    int bufferCapacity() {
        return buffer == null ? 0 : buffer.capacity();
    }

    @Override
    public boolean offer(byte[] frame, WorkBudget budget) {
        if (pendingPayload != null && !pump(budget)) {
            return false; // the frame before it is not out of the way yet
        }
        encoder.check(frame, description);
        if (atomic > 0) {
            int total = frame.length + encoder.overhead(frame);
            if (total > atomic) {
                throw new FrameTooLargeException("frame written atomically (at most PIPE_BUF bytes with its framing,"
                        + " so that several writers never interleave; singleWriter(true) lifts it)", description, atomic, total);
            }
        }
        // the per-frame path: the whole frame into the buffer, no allocation
        if (encoder.put(buffer, frame) || (grow() && encoder.put(buffer, frame))) {
            return true;
        }
        if (atomic > 0) {
            // whole frames per write: this one goes into the next, empty, buffer
            if (!writeBuffer(budget)) {
                return false;
            }
            encoder.put(buffer, frame);
            return true;
        }
        pendingPrefix = encoder.prefix(frame);
        pendingPayload = frame;
        pendingSuffix = encoder.suffix();
        pendingOffset = 0;
        pump(budget); // the frame is ours now, however far it got
        return true;
    }

    /** {@code ioctl} request: bytes waiting in a pipe. */
    private static final long FIONREAD = 0x541B;
    /** {@code fcntl} command: a pipe's capacity. */
    private static final int F_GETPIPE_SZ = 1032;
    /** Writes to a pipe up to this size are all or nothing. */
    private static final int PIPE_BUF = 4096;

    /**
     * One frame, now, whole or not at all: {@code OK} when it is in the kernel (or, rarely, its
     * tail held here after a short write, written first by the next emission or send),
     * {@code FAIL_OVERFLOW} when the pipe lacks room for all of it and nothing was written. The
     * caller holds the writer exclusively.
     */
    reactor.core.publisher.Sinks.EmitResult tryWriteWhole(FrameEncoder encoder, byte[] frame) {
        use(encoder);
        WorkBudget budget = new WorkBudget();
        if ((pendingPayload != null || buffer.position() > 0) && !flush(budget)) {
            return reactor.core.publisher.Sinks.EmitResult.FAIL_OVERFLOW; // an earlier frame is not out yet
        }
        encoder.check(frame, description);
        byte[] prefix = encoder.prefix(frame);
        byte[] suffix = encoder.suffix();
        int total = prefix.length + frame.length + suffix.length;
        if (atomic > 0 && total > atomic) {
            throw new FrameTooLargeException("frame written atomically (at most PIPE_BUF bytes with its framing,"
                    + " so that several writers never interleave; singleWriter(true) lifts it)", description, atomic, total);
        }
        if (total > PIPE_BUF) {
            // a larger write could go in part: emit it only when the pipe has room for all of it
            int capacity = Native.libc().fcntl(fd, F_GETPIPE_SZ, 0);
            int[] queued = new int[1];
            if (capacity > 0 && total > capacity) {
                throw new FrameTooLargeException("frame emitted at once (at most the pipe's capacity; send() has no such limit)",
                        description, capacity, total);
            }
            if (capacity > 0 && Native.libc().ioctl(fd, FIONREAD, queued) == 0 && capacity - queued[0] < total) {
                return reactor.core.publisher.Sinks.EmitResult.FAIL_OVERFLOW;
            }
        }
        if (total > buffer.remaining()) {
            grow();
        }
        if (total <= buffer.remaining()) {
            buffer.put(prefix).put(frame).put(suffix);
            if (!writeBuffer(budget) && buffer.position() == total) {
                buffer.clear(); // nothing of it went in: it was never emitted
                return reactor.core.publisher.Sinks.EmitResult.FAIL_OVERFLOW;
            }
            return reactor.core.publisher.Sinks.EmitResult.OK;
        }
        pendingPrefix = prefix;
        pendingPayload = frame;
        pendingSuffix = suffix;
        pendingOffset = 0;
        pump(budget);
        return reactor.core.publisher.Sinks.EmitResult.OK;
    }

    @Override
    public boolean flush(WorkBudget budget) {
        return (pendingPayload == null || pump(budget)) && writeBuffer(budget);
    }

    @Override
    public void released(boolean early) {
        // after an early end, a frame half in the kernel (and what was gathered with it) stays
        // here and the next send writes it first; after a normal end nothing is left
        onReleased.run();
    }

    /**
     * Moves the pending frame into the buffer, writing the buffer whenever it is full, or writes
     * a large payload from its own array: {@code true} when the whole frame is in the buffer or
     * the kernel, {@code false} when the kernel is full or the budget spent.
     */
    private boolean pump(WorkBudget budget) {
        while (pendingPayload != null) {
            int at = pendingOffset;
            int total = pendingPrefix.length + pendingPayload.length + pendingSuffix.length;
            byte[] seg;
            if (at < pendingPrefix.length) {
                seg = pendingPrefix;
            } else if ((at -= pendingPrefix.length) < pendingPayload.length) {
                seg = pendingPayload;
                if (seg.length - at >= FdWriter.DIRECT_WRITE_THRESHOLD) {
                    if ((buffer.position() > 0 && !writeBuffer(budget)) || !writeDirect(budget)) {
                        return false;
                    }
                    continue;
                }
            } else {
                at -= pendingPayload.length;
                seg = pendingSuffix;
            }
            if (!buffer.hasRemaining() && !writeBuffer(budget)) {
                return false;
            }
            int n = Math.min(buffer.remaining(), seg.length - at);
            buffer.put(seg, at, n);
            pendingOffset += n;
            if (pendingOffset == total) {
                pendingPrefix = pendingPayload = pendingSuffix = null;
            }
        }
        return true;
    }

    /** Writes the rest of the pending payload from its own array: {@code true} when it is all in the kernel. */
    private boolean writeDirect(WorkBudget budget) {
        int at = pendingOffset - pendingPrefix.length;
        ByteBuffer rest = ByteBuffer.wrap(pendingPayload, at, pendingPayload.length - at);
        boolean all = writeOut(rest, budget);
        pendingOffset += rest.position() - at;
        if (all && pendingSuffix.length == 0) {
            pendingPrefix = pendingPayload = pendingSuffix = null;
        }
        return all;
    }

    /** Writes the buffer: {@code true} when all of it went out. */
    private boolean writeBuffer(WorkBudget budget) {
        if (buffer.position() == 0) {
            return true;
        }
        buffer.flip();
        try {
            return writeOut(buffer, budget);
        } finally {
            buffer.compact();
        }
    }

    /**
     * Writes {@code src} (read mode) from its position, one budget unit per {@code write(2)}:
     * {@code true} when all of it is in the kernel, {@code false} when the kernel said
     * {@code EAGAIN} or the budget is spent. The position follows what was written.
     */
    private boolean writeOut(ByteBuffer src, WorkBudget budget) {
        while (src.hasRemaining()) {
            if (!budget.spend()) {
                return false;
            }
            long n = src == buffer // the direct write buffer, by address; an array is pinned for the call
                    ? Native.libc().write(fd, bufferAddress + src.position(), src.remaining())
                    : Native.libc().write(fd, src, src.remaining());
            if (n >= 0) {
                src.position(src.position() + (int) n);
                metrics.bytesSent(n);
                continue;
            }
            int errno = Native.errno();
            if (errno == Errno.EAGAIN) {
                return false;
            }
            if (errno != Errno.EINTR) {
                throw writeFailure(errno);
            }
        }
        return true;
    }

    private IpcException writeFailure(int errno) {
        return errno == Errno.EPIPE
                ? new IpcException("write", description, errno, "the reading end is closed: the peer exited or stopped reading")
                : IpcException.fromErrno("write", description, errno);
    }

    /** The wait of the sends' drains: the descriptor's edge-triggered registration, shared by them. */
    EdgeReadiness readiness() {
        return readiness;
    }
}
