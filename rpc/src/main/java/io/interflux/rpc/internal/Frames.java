package io.interflux.rpc.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * RSocket 1.0 frames as bytes: what each one holds, written once here.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-------------------------------------------------------------+
 * |0|                         Stream ID                           |
 * +-----------+-+-+---------------+-------------------------------+
 * |Frame Type |I|M|     Flags     |  type-specific fields ...
 * +-----------+-+-+---------------+-------------------------------+
 * |          Metadata Length (24 bits, only with M)               |
 * +---------------------------------------------------------------+
 * |  Metadata ...  |  Data ... (to the end of the frame)
 * </pre>
 *
 * The frame length of RSocket's TCP transport (24 bits) is not part of a frame: the transport's
 * {@code Framing.lengthPrefixed(3, ...)} adds and strips it, and message transports (rings) carry
 * one frame per message.
 */
public final class Frames {

    public static final int SETUP = 0x01;
    public static final int LEASE = 0x02;
    public static final int KEEPALIVE = 0x03;
    public static final int REQUEST_RESPONSE = 0x04;
    public static final int REQUEST_FNF = 0x05;
    public static final int REQUEST_STREAM = 0x06;
    public static final int REQUEST_CHANNEL = 0x07;
    public static final int REQUEST_N = 0x08;
    public static final int CANCEL = 0x09;
    public static final int PAYLOAD = 0x0A;
    public static final int ERROR = 0x0B;
    public static final int METADATA_PUSH = 0x0C;
    public static final int RESUME = 0x0D;
    public static final int RESUME_OK = 0x0E;
    public static final int EXT = 0x3F;

    /** I: a frame the receiver may ignore when it does not understand it. */
    public static final int FLAG_IGNORE = 0x200;
    /** M: metadata present. */
    public static final int FLAG_METADATA = 0x100;
    /** F: more fragments follow (requests and payloads). */
    public static final int FLAG_FOLLOWS = 0x80;
    /** C: the sender's side of the stream is complete (PAYLOAD, REQUEST_CHANNEL). */
    public static final int FLAG_COMPLETE = 0x40;
    /** N: the PAYLOAD carries a payload. */
    public static final int FLAG_NEXT = 0x20;
    /** R on KEEPALIVE: respond; on SETUP: resume token present. */
    public static final int FLAG_RESPOND = 0x80;
    public static final int FLAG_RESUME = 0x80;
    /** L on SETUP: the client wants leases. */
    public static final int FLAG_LEASE = 0x40;

    /** The largest request-n; it also means "unbounded". */
    public static final int MAX_REQUEST_N = Integer.MAX_VALUE;

    static final int HEADER = 6;
    private static final byte[] NONE = new byte[0];

    private Frames() {
    }

    /** The name of a frame type, for errors and logs. */
    public static String typeName(int type) {
        switch (type) {
            case SETUP: return "SETUP";
            case LEASE: return "LEASE";
            case KEEPALIVE: return "KEEPALIVE";
            case REQUEST_RESPONSE: return "REQUEST_RESPONSE";
            case REQUEST_FNF: return "REQUEST_FNF";
            case REQUEST_STREAM: return "REQUEST_STREAM";
            case REQUEST_CHANNEL: return "REQUEST_CHANNEL";
            case REQUEST_N: return "REQUEST_N";
            case CANCEL: return "CANCEL";
            case PAYLOAD: return "PAYLOAD";
            case ERROR: return "ERROR";
            case METADATA_PUSH: return "METADATA_PUSH";
            case RESUME: return "RESUME";
            case RESUME_OK: return "RESUME_OK";
            case EXT: return "EXT";
            default: return "type 0x" + Integer.toHexString(type);
        }
    }

    /** The bytes a request or payload frame of this metadata and data takes, length prefix excluded. */
    public static int size(int fields, byte[] metadata, byte[] data) {
        return HEADER + fields + (metadata == null ? 0 : 3 + metadata.length) + data.length;
    }

    /** {@link #size(int, byte[], byte[])} for metadata of {@code metadataLength} bytes. */
    public static int size(int fields, int metadataLength, int dataLength) {
        return HEADER + fields + 3 + metadataLength + dataLength;
    }

    public static byte[] setup(int keepAliveMillis, int maxLifetimeMillis, String metadataMime, String dataMime,
                               byte[] metadata, byte[] data) {
        byte[] mm = metadataMime.getBytes(StandardCharsets.US_ASCII);
        byte[] dm = dataMime.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = header(0, SETUP, metadata, size(12 + 2 + mm.length + dm.length, metadata, data), 0);
        b.putShort((short) 1).putShort((short) 0).putInt(keepAliveMillis).putInt(maxLifetimeMillis);
        b.put((byte) mm.length).put(mm).put((byte) dm.length).put(dm);
        return body(b, metadata, data);
    }

    public static byte[] keepAlive(boolean respond, byte[] data) {
        ByteBuffer b = header(0, KEEPALIVE, null, HEADER + 8 + data.length, respond ? FLAG_RESPOND : 0);
        b.putLong(0); // last received position: only resumption uses it, and Interflux does not resume
        return b.put(data).array();
    }

    /** REQUEST_RESPONSE or REQUEST_FNF. */
    public static byte[] request(int streamId, int type, byte[] metadata, byte[] data) {
        return body(header(streamId, type, metadata, size(0, metadata, data), 0), metadata, data);
    }

    /** REQUEST_STREAM or REQUEST_CHANNEL, with the initial request-n. */
    public static byte[] request(int streamId, int type, int initialN, boolean complete, byte[] metadata, byte[] data) {
        ByteBuffer b = header(streamId, type, metadata, size(4, metadata, data), complete ? FLAG_COMPLETE : 0);
        b.putInt(initialN);
        return body(b, metadata, data);
    }

    public static byte[] requestN(int streamId, int n) {
        return header(streamId, REQUEST_N, null, HEADER + 4, 0).putInt(n).array();
    }

    public static byte[] cancel(int streamId) {
        return header(streamId, CANCEL, null, HEADER, 0).array();
    }

    /** A PAYLOAD with NEXT, and COMPLETE too when {@code complete}. */
    public static byte[] next(int streamId, byte[] metadata, byte[] data, boolean complete) {
        int flags = FLAG_NEXT | (complete ? FLAG_COMPLETE : 0);
        return body(header(streamId, PAYLOAD, metadata, size(0, metadata, data), flags), metadata, data);
    }

    /** A PAYLOAD with COMPLETE only. */
    public static byte[] complete(int streamId) {
        return header(streamId, PAYLOAD, null, HEADER, FLAG_COMPLETE).array();
    }

    public static byte[] error(int streamId, int code, String message) {
        byte[] text = message == null ? NONE : message.getBytes(StandardCharsets.UTF_8);
        return header(streamId, ERROR, null, HEADER + 4 + text.length, 0).putInt(code).put(text).array();
    }

    private static ByteBuffer header(int streamId, int type, byte[] metadata, int size, int flags) {
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putInt(streamId & 0x7FFF_FFFF);
        b.putShort((short) (type << 10 | flags | (metadata != null ? FLAG_METADATA : 0)));
        return b;
    }

    private static byte[] body(ByteBuffer b, byte[] metadata, byte[] data) {
        if (metadata != null) {
            int n = metadata.length;
            b.put((byte) (n >>> 16)).put((byte) (n >>> 8)).put((byte) n).put(metadata);
        }
        return b.put(data).array();
    }
}
