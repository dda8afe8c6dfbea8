package io.interflux;

import java.util.Arrays;

/**
 * A whole message of a message mechanism: a POSIX or System V queue, a shared-memory ring. Every
 * kind has its payload here and the one number its mechanism carries beside it (a priority, a
 * type) in the same place: the subclass's factory takes the payload, or a value and its
 * {@link Codec}, then that number.
 *
 * <p>Immutable: the payload is copied in ({@code of(byte[], ...)}) and out ({@link #payload()}).
 * Two messages are equal when they are of the same kind, carry the same number and equal payloads.
 */
public abstract class Message {

    private final byte[] payload;

    /** @param payload owned by the message from now on: the subclass's factory copies what a caller gives. */
    protected Message(byte[] payload) {
        this.payload = java.util.Objects.requireNonNull(payload, "payload");
    }

    /** A copy of the payload. */
    public final byte[] payload() {
        return payload.clone();
    }

    /** The payload length in bytes. */
    public final int size() {
        return payload.length;
    }

    /** The value the payload carries, as {@code codec} decodes it. */
    public final <T> T decode(Codec<T> codec) {
        return codec.decode(payload.clone());
    }

    /** The payload itself, without a copy, for the transport that writes it; never handed to users. */
    protected final byte[] payloadArray() {
        return payload;
    }

    /** The number the mechanism carries beside the payload: the priority or the type. */
    protected abstract long metadata();

    /** What that number is called, {@code "priority"} or {@code "type"}, for {@link #toString()}. */
    protected abstract String metadataName();

    @Override
    public final boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && ((Message) o).metadata() == metadata()
                && Arrays.equals(((Message) o).payload, payload);
    }

    @Override
    public final int hashCode() {
        return Long.hashCode(metadata()) * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + metadataName() + "=" + metadata() + ", " + payload.length + " bytes]";
    }
}
