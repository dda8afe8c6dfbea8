package io.interflux.internal;

import java.nio.ByteBuffer;

/**
 * Cuts frames out of a byte stream. One instance serves one stream and is used by one thread at
 * a time (the stream's drain loop).
 */
public interface FrameDecoder {

    /**
     * The next complete frame in {@code in} (read mode) as a view of {@code in}'s bytes (position 0
     * to limit), consuming them, or {@code null} when {@code in} holds no complete frame yet. The
     * view is valid until {@code in} is next changed: decode it (see
     * {@link io.interflux.Codec#decode(ByteBuffer)}) before reading more.
     *
     * @throws io.interflux.FrameTooLargeException when the frame being read breaks the limit
     */
    ByteBuffer decode(ByteBuffer in);

    /**
     * Called at end of stream with what is left in {@code in}: the final frame as a view, or
     * {@code null} when nothing is left.
     *
     * @throws io.interflux.TruncatedFrameException when the stream ended inside a frame that cannot end there
     * @throws io.interflux.FrameTooLargeException when the rest breaks the limit
     */
    ByteBuffer decodeLast(ByteBuffer in);

    /**
     * The bytes, framing included, of the frame that begins at {@code in}'s position, when the
     * framing can tell before the frame is complete (a length prefix); -1 otherwise. A reader uses
     * it to grow its buffer to the frame and no further.
     *
     * @throws io.interflux.FrameTooLargeException when the frame announced breaks the limit
     */
    default long frameSize(ByteBuffer in) {
        return -1;
    }
}
