package io.interflux.rpc;

import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;

/**
 * How the arguments and results of an {@link RpcService} travel as payload data.
 *
 * <pre>{@code
 * RpcCodec.json()     // Jackson (needs com.fasterxml.jackson.core:jackson-databind), application/json
 * RpcCodec.bytes()    // byte[] as it is, String as UTF-8, application/octet-stream
 * }</pre>
 */
public interface RpcCodec {

    /** The data MIME type, announced in SETUP by a client that uses this codec. */
    String mimeType();

    /** {@code value}, of the declared {@code type}, as bytes. */
    byte[] encode(Object value, Type type);

    /**
     * {@code data} as a value of {@code type}.
     *
     * @throws IllegalArgumentException when the bytes are not a {@code type}
     */
    Object decode(byte[] data, Type type);

    /** JSON through Jackson's default {@code ObjectMapper}. */
    static RpcCodec json() {
        try {
            return JsonRpcCodec.shared();
        } catch (NoClassDefFoundError e) {
            throw JsonRpcCodec.missing(e);
        }
    }

    /** JSON through {@code mapper} (a {@code com.fasterxml.jackson.databind.ObjectMapper}). */
    static RpcCodec json(Object mapper) {
        try {
            return JsonRpcCodec.of(mapper);
        } catch (NoClassDefFoundError e) {
            throw JsonRpcCodec.missing(e);
        }
    }

    /** {@code byte[]} as it is and {@code String} as UTF-8; other types are refused. */
    static RpcCodec bytes() {
        return BytesCodec.INSTANCE;
    }

    /** The codec of {@link #bytes()}. */
    final class BytesCodec implements RpcCodec {
        static final BytesCodec INSTANCE = new BytesCodec();

        private BytesCodec() {
        }

        @Override
        public String mimeType() {
            return "application/octet-stream";
        }

        @Override
        public byte[] encode(Object value, Type type) {
            if (value instanceof byte[]) {
                return (byte[]) value;
            }
            if (value instanceof String) {
                return ((String) value).getBytes(StandardCharsets.UTF_8);
            }
            throw new IllegalArgumentException("RpcCodec.bytes() carries byte[] and String only, not " + type.getTypeName()
                    + ": use RpcCodec.json()");
        }

        @Override
        public Object decode(byte[] data, Type type) {
            if (type == byte[].class) {
                return data;
            }
            if (type == String.class) {
                return new String(data, StandardCharsets.UTF_8);
            }
            throw new IllegalArgumentException("RpcCodec.bytes() carries byte[] and String only, not " + type.getTypeName()
                    + ": use RpcCodec.json()");
        }

        @Override
        public String toString() {
            return "RpcCodec.bytes()";
        }
    }
}
