package io.interflux;

/**
 * A frame or message broke the maximum size its {@link Framing} or endpoint allows.
 *
 * <p>A reader fails its stream with this error and delivers nothing after it; a writer fails the
 * send before a byte of the offending frame reaches the descriptor.
 */
public class FrameTooLargeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long limit;
    private final long size;

    public FrameTooLargeException(String what, long limit, long size) {
        super(what + " exceeds the maximum frame size: size=" + size + ", limit=" + limit);
        this.limit = limit;
        this.size = size;
    }

    /** The maximum size in bytes. */
    public long limit() {
        return limit;
    }

    /** The size that was seen, or a lower bound of it when the frame was cut short. */
    public long size() {
        return size;
    }
}
