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

    /** Frames in a row that fit the read size before a buffer grown past it is given back. */
    static final int SMALL_FRAMES_TO_SHRINK = 16;
    /** The size a buffer starts at, and goes back to, unless the read size is smaller. */
    static final int SMALL_BUFFER = 4096;
    /** Reads in a row of at most half {@link #SMALL_BUFFER} before a buffer of the read size is given back. */
    static final int SMALL_READS_TO_SHRINK = 16;

    private final FdReader reader;
    private final FrameDecoder decoder;
    private final Codec<T> codec;
    /** What the buffer starts at: an idle or quiet stream (a child that says little) holds no more. */
    private final int smallSize;
    /** The reader's read size: what one read asks for once the stream is busy. */
    private final int readSize;
    private final int largestSize;
    private final EdgeReadiness readiness;
    private ByteBuffer buffer;
    private int smallFrames;
    /** The last read filled all the room it had: more is waiting, read the full size next. */
    private boolean readFull;
    private int smallReads;
    private boolean eof;
    private boolean ended;

    FrameSource(FdReader reader, Framing framing, Codec<T> codec) {
        this.reader = reader;
        this.codec = codec;
        this.decoder = Spi.decoder(framing, reader.description);
        this.readSize = reader.readBufferSize;
        this.smallSize = Math.min(SMALL_BUFFER, readSize);
        this.largestSize = Math.max(readSize, Spi.largestBuffer(framing));
        // a heap buffer: frames are cut out with Arrays.copyOfRange, which the JIT fills
        // without zeroing the new array first (a direct buffer would cost one more pass)
        this.buffer = ByteBuffer.allocate(smallSize);
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
                if (buffer.capacity() > readSize) {
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
                if (buffer.capacity() > readSize) {
                    shrink(); // idle: give a buffer grown past the read size back
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
        } else if (readFull && buffer.capacity() < readSize) {
            resize(readSize); // busy: read the full size from now on
        } else if (smallReads >= SMALL_READS_TO_SHRINK && buffer.capacity() == readSize && readSize > smallSize
                && buffer.remaining() <= smallSize / 2) {
            resize(smallSize); // quiet again: give the read size back
            smallReads = 0;
        }
        buffer.compact();
        int wanted = buffer.remaining();
        long n;
        for (;;) {
            n = Native.libc().read(reader.fd, buffer, wanted);
            if (n >= 0) {
                buffer.position(buffer.position() + (int) n);
                readFull = n == wanted;
                smallReads = n <= smallSize / 2 ? smallReads + 1 : 0;
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

    /** Counts frames that fit the read size; after enough in a row, gives the big buffer back. */
    private void giveBackAfterSmallFrames(int frameLength) {
        if (frameLength > readSize / 2) {
            smallFrames = 0;
        } else if (++smallFrames >= SMALL_FRAMES_TO_SHRINK) {
            shrink();
        }
    }

    private void shrink() {
        if (buffer.remaining() <= readSize / 2) {
            resize(readSize);
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
