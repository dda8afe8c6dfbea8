package io.interflux.mqueue;

import io.interflux.Codec;

import java.util.Objects;

/**
 * One message of a POSIX queue: its payload and its priority. The kernel hands out the oldest
 * message of the highest priority first.
 *
 * <pre>{@code
 * PosixMessage urgent = PosixMessage.of("shutdown", Codec.utf8(), 10);
 * String text = urgent.decode(Codec.utf8());
 * }</pre>
 *
 * Immutable: the payload is copied in and out.
 */
public final class PosixMessage extends io.interflux.Message {

    /** The highest priority Linux accepts ({@code MQ_PRIO_MAX - 1}). */
    public static final int MAX_PRIORITY = 32767;

    private final int priority;

    private PosixMessage(byte[] payload, int priority) {
        super(payload);
        if (priority < 0 || priority > MAX_PRIORITY) {
            throw new IllegalArgumentException("0 <= priority <= " + MAX_PRIORITY + " required but it was " + priority);
        }
        this.priority = priority;
    }

    /** A message of priority 0. */
    public static PosixMessage of(byte[] payload) {
        return of(payload, 0);
    }

    /** A message of {@code priority}, between 0 and {@value #MAX_PRIORITY}. */
    public static PosixMessage of(byte[] payload, int priority) {
        return new PosixMessage(Objects.requireNonNull(payload, "payload").clone(), priority);
    }

    /** A message carrying {@code value} as encoded by {@code codec}. */
    public static <T> PosixMessage of(T value, Codec<T> codec, int priority) {
        Objects.requireNonNull(codec, "codec");
        return new PosixMessage(Objects.requireNonNull(codec.encode(value), "encoded payload"), priority);
    }

    /** A received message; the array is owned by the message from now on. */
    static PosixMessage received(byte[] payload, int priority) {
        return new PosixMessage(payload, priority);
    }

    /** The priority, 0 (lowest) to {@value #MAX_PRIORITY}. */
    public int priority() {
        return priority;
    }

    /** The payload itself, for the queue; never handed to users. */
    byte[] bytes() {
        return payloadArray();
    }

    @Override
    protected long metadata() {
        return priority;
    }

    @Override
    protected String metadataName() {
        return "priority";
    }
}
