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
}
