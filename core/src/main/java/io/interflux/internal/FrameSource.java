package io.interflux.internal;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.internal.drain.MessageSource;
import io.interflux.internal.drain.WorkBudget;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * The byte-stream source of the one drain: reads a non-blocking descriptor into a growing heap
 * buffer and cuts frames out of it, decoded in place. Its drain waits on the descriptor's
 * {@link EdgeReadiness}, which reports every change, so a writer that leaves is heard of even
 * without demand. One per subscription of an {@link FdReader}.
 */
final class FrameSource<T> implements MessageSource<T> {

    /** Frames in a row that fit the initial buffer before a grown buffer is given back. */
    static final int SMALL_FRAMES_TO_SHRINK = 16;

    private final FdReader reader;
    private final FrameDecoder decoder;
    private final Codec<T> codec;
    private final int initialSize;
    private final int largestSize;
    private final EdgeReadiness readiness;
    private ByteBuffer buffer;
    private int smallFrames;
    private boolean eof;
    private boolean ended;

    FrameSource(FdReader reader, Framing framing, Codec<T> codec) {
        this.reader = reader;
        this.codec = codec;
        this.decoder = Spi.decoder(framing, reader.description);
        this.initialSize = reader.readBufferSize;
        this.largestSize = Math.max(initialSize, Spi.largestBuffer(framing));
        // a heap buffer: frames are cut out with Arrays.copyOfRange, which the JIT fills
        // without zeroing the new array first (a direct buffer would cost one more pass)
        this.buffer = ByteBuffer.allocate(initialSize);
        this.buffer.flip(); // read mode, empty
        this.readiness = new EdgeReadiness(reader.poller, reader.fd, Poller.EPOLLIN, true);
    }

    @Override
    public T poll(WorkBudget budget) {
        for (;;) {
            ByteBuffer frame = eof ? decoder.decodeLast(buffer) : decoder.decode(buffer);
            if (frame != null) {
                int length = frame.remaining();
                // the frame is a view of the read buffer: decoded here, before the next read
                T value = Objects.requireNonNull(codec.decode(frame), "the codec decoded a frame to null");
                if (buffer.capacity() > initialSize) {
                    giveBackAfterSmallFrames(length);
                }
                return value;
            }
            if (eof) {
                ended = true;
                return null;
            }
            if (!budget.spend()) {
                return null;
            }
            long n = fill();
            if (n > 0) {
                reader.metrics.bytesReceived(n);
                continue;
            }
            if (n == 0) {
                if (reader.endOfStream == null || reader.endOfStream.getAsBoolean()) {
                    eof = true;
                    continue;
                }
                return null; // no writer right now, more may come: wait as for EAGAIN
            }
            int errno = (int) -n;
            if (errno == Errno.EAGAIN) {
                if (buffer.capacity() > initialSize) {
                    shrink(); // idle: give a grown buffer back
                }
                return null;
            }
            throw FdReader.readFailure(reader.description, errno);
        }
    }

    @Override
    public boolean ended() {
        return ended;
    }

    @Override
    public boolean endedWithoutDemand() {
        if (ended) {
            return true;
        }
        // demand met: stay registered (free after the first time, edge-triggered) so a writer
        // that leaves now is heard of, and the stream completes without a request
        readiness.arm();
        // a hang-up seen: the writer may be gone, so the end may come without a read
        return readiness.hungUp() && !buffer.hasRemaining() && nothingLeftToRead();
    }

    /**
     * Whether the descriptor holds no byte and has no writer left (a hang-up without pending
     * input), asked without reading; and whether the owner's end-of-stream rule agrees (a
     * persistent FIFO never ends so).
     */
    private boolean nothingLeftToRead() {
        int ready = Native.readyNow(reader.fd);
        return ready > 0 && (ready & Native.POLLIN) == 0 && (ready & Native.POLLHUP) != 0
                && (reader.endOfStream == null || reader.endOfStream.getAsBoolean());
    }

    @Override
    public void released() {
        if (reader.source == this) {
            reader.source = null; // kept for tests while the stream runs, not after it
        }
    }

    /** The wait of this source's drain: the descriptor's edge-triggered registration. */
    EdgeReadiness readiness() {
        return readiness;
    }

    /** The read buffer's current size, for tests of its growth. */
    int bufferCapacity() {
        return buffer.capacity();
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
            if (errno != Errno.EINTR) {
                n = -errno;
                break;
            }
        }
        buffer.flip();
        return n;
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
}
