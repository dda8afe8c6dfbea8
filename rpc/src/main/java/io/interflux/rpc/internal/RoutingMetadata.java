package io.interflux.rpc.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The route of a request as RSocket's extensions spell it, so a route name means the same to any
 * RSocket peer (rsocket-java's {@code RoutingMetadata}, Spring's {@code @MessageMapping}).
 *
 * <p>The connection's metadata MIME type is composite metadata
 * ({@value #COMPOSITE}): a sequence of entries, each a MIME type, a 24-bit length and that many
 * bytes. The route is the entry of the well-known type {@value #ROUTING} (id {@code 0x7E}), whose
 * content is a sequence of tags, each one unsigned byte of length and that many UTF-8 bytes; the
 * first tag is the route.
 * <pre>
 * +-+-------------+-----------------------------------------------+
 * |1| id 0x7E     |  entry length (24 bits)                       |
 * +-+-------------+-----------------------------------------------+
 * | tag length    |  route, UTF-8 ...                             |
 * +---------------+-----------------------------------------------+
 * </pre>
 * A connection whose SETUP names {@value #ROUTING} itself as the metadata type carries the tags
 * without the composite entry around them; both are read.
 */
public final class RoutingMetadata {

    public static final String COMPOSITE = "message/x.rsocket.composite-metadata.v0";
    public static final String ROUTING = "message/x.rsocket.routing.v0";
    private static final int ROUTING_ID = 0x7E;

    private RoutingMetadata() {
    }

    /** Composite metadata with one routing entry for {@code route}, then {@code more} (composite entries too) as they are. */
    public static byte[] composite(String route, byte[] more) {
        byte[] name = route.getBytes(StandardCharsets.UTF_8);
        if (name.length > 255) {
            throw new IllegalArgumentException("a route is at most 255 bytes of UTF-8 but '" + route + "' is " + name.length);
        }
        int entry = 1 + name.length;
        ByteArrayOutputStream out = new ByteArrayOutputStream(4 + entry + (more == null ? 0 : more.length));
        out.write(0x80 | ROUTING_ID);
        out.write(entry >>> 16);
        out.write(entry >>> 8);
        out.write(entry);
        out.write(name.length);
        out.writeBytes(name);
        if (more != null) {
            out.writeBytes(more);
        }
        return out.toByteArray();
    }

    /** The length of {@link #composite(String, byte[])}'s result, without building it. */
    public static int compositeLength(String route, byte[] more) {
        int name = route.getBytes(StandardCharsets.UTF_8).length;
        if (name > 255) {
            throw new IllegalArgumentException("a route is at most 255 bytes of UTF-8 but '" + route + "' is " + name);
        }
        return 4 + 1 + name + (more == null ? 0 : more.length);
    }

    /**
     * The route in {@code metadata} read as {@code mime} says, or {@code null} when there is none.
     *
     * @throws IllegalArgumentException when the metadata is not what its type says
     */
    public static String route(String mime, byte[] metadata) {
        if (metadata == null || metadata.length == 0) {
            return null;
        }
        if (ROUTING.equals(mime)) {
            return firstTag(metadata, 0, metadata.length);
        }
        if (!COMPOSITE.equals(mime)) {
            return null;
        }
        int at = 0;
        while (at < metadata.length) {
            int head = metadata[at++] & 0xFF;
            boolean routing;
            if ((head & 0x80) != 0) {
                routing = (head & 0x7F) == ROUTING_ID;
            } else {
                int mimeLength = head + 1;
                require(at + mimeLength <= metadata.length, "a composite metadata MIME type runs past the end");
                routing = ROUTING.equals(new String(metadata, at, mimeLength, StandardCharsets.US_ASCII));
                at += mimeLength;
            }
            require(at + 3 <= metadata.length, "a composite metadata entry has no length");
            int length = (metadata[at] & 0xFF) << 16 | (metadata[at + 1] & 0xFF) << 8 | (metadata[at + 2] & 0xFF);
            at += 3;
            require(at + length <= metadata.length, "a composite metadata entry of " + length + " bytes runs past the end");
            if (routing) {
                return firstTag(metadata, at, length);
            }
            at += length;
        }
        return null;
    }

    private static String firstTag(byte[] metadata, int at, int length) {
        require(length >= 1, "routing metadata without a tag");
        int tag = metadata[at] & 0xFF;
        require(1 + tag <= length, "a routing tag of " + tag + " bytes runs past its entry");
        return new String(metadata, at + 1, tag, StandardCharsets.UTF_8);
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException(what);
        }
    }
}
