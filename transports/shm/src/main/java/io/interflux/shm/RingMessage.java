package io.interflux.shm;

import io.interflux.Codec;

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
public final class RingMessage extends io.interflux.Message {

    /** The type of a message made without one. */
    public static final int DEFAULT_TYPE = 1;

    private final int type;

    private RingMessage(byte[] payload, int type) {
        super(payload);
        if (type <= 0) {
            throw new IllegalArgumentException("type > 0 required but it was " + type);
        }
        this.type = type;
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

    byte[] bytes() {
        return payloadArray();
    }

    @Override
    protected long metadata() {
        return type;
    }

    @Override
    protected String metadataName() {
        return "type";
    }
}
