package io.interflux.mqueue;

import io.interflux.Codec;

import java.util.Objects;

/**
 * One message of a System V queue: its type, a positive number receivers select on
 * ({@link SysVQueue#receive(long)}), and its payload.
 *
 * <pre>{@code
 * SysVMessage order = SysVMessage.of(2, "order 66", Codec.utf8());
 * }</pre>
 *
 * Immutable: the payload is copied in and out.
 */
public final class SysVMessage extends io.interflux.Message {

    private final long type;

    private SysVMessage(long type, byte[] payload) {
        super(payload);
        if (type <= 0) {
            throw new IllegalArgumentException("type > 0 required but it was " + type);
        }
        this.type = type;
    }

    /** A message of {@code type} (> 0): payload first, then the type, as in every message factory. */
    public static SysVMessage of(byte[] payload, long type) {
        return new SysVMessage(type, Objects.requireNonNull(payload, "payload").clone());
    }

    /** A message of {@code type} (> 0) carrying {@code value} as encoded by {@code codec}: value, codec, type. */
    public static <T> SysVMessage of(T value, Codec<T> codec, long type) {
        Objects.requireNonNull(codec, "codec");
        return new SysVMessage(type, Objects.requireNonNull(codec.encode(value), "encoded payload"));
    }

    static SysVMessage received(long type, byte[] payload) {
        return new SysVMessage(type, payload);
    }

    /** The message type, > 0. */
    public long type() {
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
