package io.interflux.shm;

import io.interflux.Codec;

import java.util.Arrays;
import java.util.Objects;

/**
 * One record of a {@link SharedRing}: its type, a positive number the receiver may dispatch on
 * (Agrona's message type id), and its payload.
 *
 * <pre>{@code
 * RingMessage order = RingMessage.of("order 66", Codec.utf8(), 2);
 * }</pre>
 *
 * Immutable: the payload is copied in and out.
 */
public final class RingMessage {

    /** The type of a message made without one. */
    public static final int DEFAULT_TYPE = 1;

    private final int type;
    private final byte[] payload;

    private RingMessage(byte[] payload, int type) {
        if (type <= 0) {
            throw new IllegalArgumentException("type > 0 required but it was " + type);
        }
        this.type = type;
        this.payload = payload;
    }

    /** A message of type {@value #DEFAULT_TYPE}. */
    public static RingMessage of(byte[] payload) {
        return of(payload, DEFAULT_TYPE);
    }

    /** A message of {@code type} (> 0): payload first, then the type, as in every message factory. */
    public static RingMessage of(byte[] payload, int type) {
        return new RingMessage(Objects.requireNonNull(payload, "payload").clone(), type);
    }

    /** A message of {@code type} (> 0) carrying {@code value} as encoded by {@code codec}: value, codec, type. */
    public static <T> RingMessage of(T value, Codec<T> codec, int type) {
        Objects.requireNonNull(codec, "codec");
        return new RingMessage(Objects.requireNonNull(codec.encode(value), "encoded payload"), type);
    }

    static RingMessage received(byte[] payload, int type) {
        return new RingMessage(payload, type);
    }

    /** The message type, > 0. */
    public int type() {
        return type;
    }

    /** A copy of the payload. */
    public byte[] payload() {
        return payload.clone();
    }

    /** The payload length in bytes. */
    public int size() {
        return payload.length;
    }

    /** The value the payload carries. */
    public <T> T decode(Codec<T> codec) {
        return codec.decode(payload.clone());
    }

    byte[] bytes() {
        return payload;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RingMessage && ((RingMessage) o).type == type
                && Arrays.equals(((RingMessage) o).payload, payload);
    }

    @Override
    public int hashCode() {
        return type * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "RingMessage[type=" + type + ", " + payload.length + " bytes]";
    }
}
