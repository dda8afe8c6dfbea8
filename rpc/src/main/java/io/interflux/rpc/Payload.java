package io.interflux.rpc;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * What one RPC message carries: data, and metadata that may be empty. The arrays are the
 * payload's own (neither copied in nor out: do not change them after handing them over).
 *
 * <p>On a request, the route travels in the metadata as RSocket composite metadata; a request
 * payload's own metadata, when it has any, must be composite metadata entries too and is sent after
 * the route's entry. On responses and stream items metadata travels as it is.
 *
 * <pre>{@code
 * Payload.of("hello")                          // UTF-8 data, no metadata
 * Payload.of(bytes)
 * payload.dataUtf8()
 * }</pre>
 */
public final class Payload {

    private static final byte[] NONE = new byte[0];
    private final byte[] data;
    private final byte[] metadata;

    private Payload(byte[] data, byte[] metadata) {
        this.data = Objects.requireNonNull(data, "data");
        this.metadata = metadata == null ? NONE : metadata;
    }

    /** A payload of {@code data} and no metadata. */
    public static Payload of(byte[] data) {
        return new Payload(data, NONE);
    }

    /** A payload of {@code text} in UTF-8 and no metadata. */
    public static Payload of(String text) {
        return new Payload(text.getBytes(StandardCharsets.UTF_8), NONE);
    }

    /** A payload of {@code data} and {@code metadata} ({@code null} for none). */
    public static Payload of(byte[] data, byte[] metadata) {
        return new Payload(data, metadata);
    }

    /** An empty payload. */
    public static Payload empty() {
        return new Payload(NONE, NONE);
    }

    public byte[] data() {
        return data;
    }

    /** The metadata, empty when there is none. */
    public byte[] metadata() {
        return metadata;
    }

    public boolean hasMetadata() {
        return metadata.length > 0;
    }

    /** The data read as UTF-8. */
    public String dataUtf8() {
        return new String(data, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Payload && Arrays.equals(((Payload) o).data, data) && Arrays.equals(((Payload) o).metadata, metadata);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(data) + Arrays.hashCode(metadata);
    }

    @Override
    public String toString() {
        return "Payload[" + data.length + " bytes" + (metadata.length > 0 ? ", " + metadata.length + " bytes of metadata" : "") + "]";
    }
}
