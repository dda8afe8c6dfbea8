package io.interflux.rpc;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.lang.reflect.Type;

/** {@link RpcCodec#json()}: loaded only when asked for, so Jackson is needed only by those who use it. */
final class JsonRpcCodec implements RpcCodec {

    private static volatile RpcCodec shared;

    /** One codec over a default mapper, made on first use. */
    static RpcCodec shared() {
        RpcCodec c = shared;
        if (c == null) {
            c = new JsonRpcCodec(new ObjectMapper());
            shared = c;
        }
        return c;
    }

    static IllegalStateException missing(NoClassDefFoundError e) {
        return new IllegalStateException("RpcCodec.json() needs Jackson on the class path: add "
                + "com.fasterxml.jackson.core:jackson-databind", e);
    }

    private final ObjectMapper mapper;

    private JsonRpcCodec(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    static RpcCodec of(Object mapper) {
        if (!(mapper instanceof ObjectMapper)) {
            throw new IllegalArgumentException("RpcCodec.json(mapper) needs a com.fasterxml.jackson.databind.ObjectMapper but got "
                    + (mapper == null ? "null" : mapper.getClass().getName()));
        }
        return new JsonRpcCodec((ObjectMapper) mapper);
    }

    @Override
    public String mimeType() {
        return "application/json";
    }

    @Override
    public byte[] encode(Object value, Type type) {
        try {
            return mapper.writerFor(mapper.constructType(type)).writeValueAsBytes(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write a " + type.getTypeName() + " as JSON: " + e.getMessage(), e);
        }
    }

    @Override
    public Object decode(byte[] data, Type type) {
        JavaType t = mapper.constructType(type);
        try {
            return mapper.readValue(data, t);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + data.length + " bytes of JSON as a " + type.getTypeName()
                    + ": " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException ? ((com.fasterxml.jackson.core.JsonProcessingException) e).getOriginalMessage() : e.getMessage()), e);
        }
    }

    @Override
    public String toString() {
        return "RpcCodec.json()";
    }
}
