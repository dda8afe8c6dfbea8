package io.interflux;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Function;

/**
 * Turns values into frame payloads and back.
 *
 * <p>Codecs are stateless and thread-safe. A {@code decode} that throws fails the stream the
 * frame arrived on.
 *
 * <pre>{@code
 * Flux<String> lines = child.stdout(Framing.lines(8192), Codec.utf8());
 * }</pre>
 *
 * @param <T> the value type
 */
public interface Codec<T> {

    /** The payload bytes of a value. */
    byte[] encode(T value);

    /** The value a payload carries. */
    T decode(byte[] payload);

    /** Payloads as they are. */
    static Codec<byte[]> bytes() {
        return BytesCodec.INSTANCE;
    }

    /** UTF-8 text; malformed input decodes to U+FFFD as {@link String#String(byte[], java.nio.charset.Charset)} does. */
    static Codec<String> utf8() {
        return Utf8Codec.INSTANCE;
    }

    /** A codec from two functions, for JSON mappers and other serializers. */
    static <T> Codec<T> of(Function<? super T, byte[]> encoder, Function<byte[], ? extends T> decoder) {
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(decoder, "decoder");
        return new Codec<>() {
            @Override
            public byte[] encode(T value) {
                return encoder.apply(value);
            }

            @Override
            public T decode(byte[] payload) {
                return decoder.apply(payload);
            }
        };
    }
}

final class BytesCodec implements Codec<byte[]> {
    static final BytesCodec INSTANCE = new BytesCodec();

    @Override
    public byte[] encode(byte[] value) {
        return value;
    }

    @Override
    public byte[] decode(byte[] payload) {
        return payload;
    }

    @Override
    public String toString() {
        return "Codec.bytes()";
    }
}

final class Utf8Codec implements Codec<String> {
    static final Utf8Codec INSTANCE = new Utf8Codec();

    @Override
    public byte[] encode(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String decode(byte[] payload) {
        return new String(payload, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "Codec.utf8()";
    }
}
