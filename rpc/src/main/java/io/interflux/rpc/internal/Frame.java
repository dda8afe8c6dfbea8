package io.interflux.rpc.internal;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One received frame, its fields read out of the bytes the transport delivered (see
 * {@link Frames} for the layout). A frame too short for its type, or with a metadata length past
 * its end, is refused with {@link MalformedFrameException}: the peer broke the protocol.
 */
public final class Frame {

    private static final byte[] NONE = new byte[0];

    public final int streamId;
    public final int type;
    public final int flags;
    /** REQUEST_STREAM and REQUEST_CHANNEL: the initial request-n; REQUEST_N: n; ERROR: the code. */
    public final int n;
    /** Metadata, or {@code null} when the frame has none (no M flag). */
    public final byte[] metadata;
    /** The data, or the UTF-8 message of an ERROR. */
    public final byte[] data;
    /** SETUP only. */
    public final int majorVersion;
    public final int keepAliveMillis;
    public final int maxLifetimeMillis;
    public final String metadataMime;
    public final String dataMime;

    private Frame(int streamId, int type, int flags, int n, byte[] metadata, byte[] data,
                  int majorVersion, int keepAliveMillis, int maxLifetimeMillis, String metadataMime, String dataMime) {
        this.streamId = streamId;
        this.type = type;
        this.flags = flags;
        this.n = n;
        this.metadata = metadata;
        this.data = data;
        this.majorVersion = majorVersion;
        this.keepAliveMillis = keepAliveMillis;
        this.maxLifetimeMillis = maxLifetimeMillis;
        this.metadataMime = metadataMime;
        this.dataMime = dataMime;
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    public String errorMessage() {
        return new String(data, StandardCharsets.UTF_8);
    }

    /** Reads one frame; the array is the frame only, its transport length already stripped. */
    public static Frame parse(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        try {
            int streamId = b.getInt() & 0x7FFF_FFFF;
            int typeAndFlags = b.getShort() & 0xFFFF;
            int type = typeAndFlags >>> 10;
            int flags = typeAndFlags & 0x3FF;
            int n = 0;
            int major = 0;
            int keepAlive = 0;
            int lifetime = 0;
            String metadataMime = null;
            String dataMime = null;
            switch (type) {
                case Frames.SETUP:
                    major = b.getShort() & 0xFFFF;
                    b.getShort(); // minor: 1.x peers are compatible
                    keepAlive = b.getInt();
                    lifetime = b.getInt();
                    if ((flags & Frames.FLAG_RESUME) != 0) {
                        skip(b, b.getShort() & 0xFFFF); // the token: resumption is refused after parsing
                    }
                    metadataMime = ascii(b, b.get() & 0xFF);
                    dataMime = ascii(b, b.get() & 0xFF);
                    break;
                case Frames.KEEPALIVE:
                    b.getLong();
                    break;
                case Frames.REQUEST_STREAM:
                case Frames.REQUEST_CHANNEL:
                case Frames.REQUEST_N:
                case Frames.ERROR:
                    n = b.getInt();
                    break;
                case Frames.LEASE:
                    b.getInt();
                    b.getInt();
                    break;
                default:
                    break;
            }
            byte[] metadata = null;
            boolean metadataField = type != Frames.ERROR && type != Frames.KEEPALIVE && type != Frames.REQUEST_N
                    && type != Frames.CANCEL;
            if (metadataField && (flags & Frames.FLAG_METADATA) != 0) {
                if (type == Frames.METADATA_PUSH) {
                    metadata = rest(b); // the whole frame is metadata, without a length
                } else {
                    int length = (b.get() & 0xFF) << 16 | (b.get() & 0xFF) << 8 | (b.get() & 0xFF);
                    if (length > b.remaining()) {
                        throw new MalformedFrameException(Frames.typeName(type) + " frame on stream " + streamId
                                + " says " + length + " bytes of metadata but only " + b.remaining() + " follow");
                    }
                    metadata = new byte[length];
                    b.get(metadata);
                }
            }
            return new Frame(streamId, type, flags, n, metadata, rest(b), major, keepAlive, lifetime, metadataMime, dataMime);
        } catch (BufferUnderflowException e) {
            throw new MalformedFrameException("a frame of " + bytes.length + " bytes is too short for its type"
                    + (bytes.length >= 6 ? " " + Frames.typeName((bytes[4] & 0xFF) >>> 2) : ""));
        }
    }

    private static byte[] rest(ByteBuffer b) {
        if (!b.hasRemaining()) {
            return NONE;
        }
        byte[] r = new byte[b.remaining()];
        b.get(r);
        return r;
    }

    private static void skip(ByteBuffer b, int n) {
        if (n > b.remaining()) {
            throw new BufferUnderflowException();
        }
        b.position(b.position() + n);
    }

    private static String ascii(ByteBuffer b, int length) {
        byte[] s = new byte[length];
        b.get(s);
        return new String(s, StandardCharsets.US_ASCII);
    }

    /** A frame that breaks the RSocket layout: a connection error. */
    public static final class MalformedFrameException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MalformedFrameException(String message) {
            super(message);
        }
    }
}
