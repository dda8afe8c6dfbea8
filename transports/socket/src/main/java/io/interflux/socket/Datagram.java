package io.interflux.socket;

import io.interflux.Codec;

import java.net.SocketAddress;
import java.util.Arrays;
import java.util.Objects;

/**
 * One whole datagram, UDP or Unix: its payload and the address it came from (received) or goes
 * to (sent), in the same order as every other message's factory: payload, or value and codec,
 * then the metadata. Immutable: the payload is copied in and out.
 */
public final class Datagram {

    private final byte[] payload;
    private final SocketAddress address;

    private Datagram(byte[] payload, SocketAddress address) {
        this.payload = payload;
        this.address = address;
    }

    /** A datagram of {@code payload} (copied) for {@code recipient}. */
    public static Datagram of(byte[] payload, SocketAddress recipient) {
        return new Datagram(Objects.requireNonNull(payload, "payload").clone(), Objects.requireNonNull(recipient, "recipient"));
    }

    /** A datagram of {@code value} as {@code codec} encodes it, for {@code recipient}. */
    public static <T> Datagram of(T value, Codec<T> codec, SocketAddress recipient) {
        return new Datagram(Objects.requireNonNull(codec, "codec").encode(value), Objects.requireNonNull(recipient, "recipient"));
    }

    static Datagram received(byte[] payload, SocketAddress sender) {
        return new Datagram(payload, sender);
    }

    /** A copy of the payload. */
    public byte[] payload() {
        return payload.clone();
    }

    /** The payload length in bytes. */
    public int size() {
        return payload.length;
    }

    /** The value the payload carries, as {@code codec} decodes it. */
    public <T> T decode(Codec<T> codec) {
        return codec.decode(payload.clone());
    }

    /**
     * The sender of a received datagram (for a Unix datagram socket, its bound path, or
     * {@code null} when it sent from an unbound socket and cannot be answered); the recipient of
     * one to send.
     */
    public SocketAddress address() {
        return address;
    }

    byte[] payloadArray() {
        return payload;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Datagram && Arrays.equals(((Datagram) o).payload, payload)
                && Objects.equals(((Datagram) o).address, address);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(payload) * 31 + Objects.hashCode(address);
    }

    @Override
    public String toString() {
        return "Datagram[" + payload.length + " bytes, " + address + "]";
    }
}
