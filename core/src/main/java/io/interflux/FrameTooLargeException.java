package io.interflux;

/**
 * A frame or message broke the maximum size its {@link Framing} or endpoint allows.
 *
 * <p>A reader fails its stream with this error and delivers nothing after it; a writer fails the
 * send before a byte of the offending frame reaches the descriptor.
 */
public class FrameTooLargeException extends InterfluxException {

    private static final long serialVersionUID = 1L;

    private final long limit;
    private final long size;

    /**
     * @param what   the kind of frame, {@code "line"}
     * @param object where it was read or written, {@code "stdout of ls [pid 42]"}, or {@code null}
     * @param limit  the maximum size in bytes
     * @param size   the size seen, or a lower bound of it
     */
    public FrameTooLargeException(String what, String object, long limit, long size) {
        super(what + (object == null ? "" : " on " + object) + " exceeds the maximum frame size: size="
                + size + ", limit=" + limit, object);
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
