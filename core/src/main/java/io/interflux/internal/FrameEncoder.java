package io.interflux.internal;

/**
 * Surrounds payloads with what a {@link io.interflux.Framing} puts around them. Stateless.
 */
public interface FrameEncoder {

    /**
     * Checks a payload before any of it is written.
     *
     * @param object where it is to be written, named in the error: {@code "FIFO /run/app/inbox"}
     * @throws io.interflux.FrameTooLargeException when it breaks the limit
     * @throws IllegalArgumentException when it cannot be framed (a line holding a newline)
     */
    void check(byte[] payload, String object);

    /** The bytes written before the payload; may be empty, never {@code null}. */
    byte[] prefix(byte[] payload);

    /** The bytes written after every payload; may be empty, never {@code null}. */
    byte[] suffix();

    /**
     * Puts the whole framed payload into {@code buffer} when it fits, with no allocation on the
     * way (the per-frame path of a writer): {@code true} when it was put, {@code false} (and
     * nothing put) when it does not fit. The payload has passed {@link #check} already.
     */
    default boolean put(java.nio.ByteBuffer buffer, byte[] payload) {
        byte[] prefix = prefix(payload);
        byte[] suffix = suffix();
        if (buffer.remaining() < prefix.length + payload.length + suffix.length) {
            return false;
        }
        buffer.put(prefix).put(payload).put(suffix);
        return true;
    }

    /** The bytes the framing adds to {@code payload}: prefix and suffix. */
    default int overhead(byte[] payload) {
        return prefix(payload).length + suffix().length;
    }
}
