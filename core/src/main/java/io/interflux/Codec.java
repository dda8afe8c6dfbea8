package io.interflux;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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

    /**
     * The value a frame carries, read in place from the reader's buffer: {@code frame} holds the
     * payload from position to limit and is valid only during this call, so a codec that keeps
     * bytes must copy them. Readers call this one; the default copies the payload into an array
     * and calls {@link #decode(byte[])}. Override it to decode without that copy (a parser
     * reading the buffer, a checksum, a channel write).
     */
    default T decode(ByteBuffer frame) {
        return decode(Codec.copy(frame));
    }

    /** The bytes of {@code frame} from position to limit, in a new array; the position is not moved. */
    static byte[] copy(ByteBuffer frame) {
        if (frame.hasArray()) {
            int at = frame.arrayOffset() + frame.position();
            // copyOfRange fills the new array without zeroing it first
            return Arrays.copyOfRange(frame.array(), at, at + frame.remaining());
        }
        byte[] bytes = new byte[frame.remaining()];
        frame.get(frame.position(), bytes);
        return bytes;
    }

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
    public String decode(ByteBuffer frame) {
        if (frame.hasArray()) {
            return new String(frame.array(), frame.arrayOffset() + frame.position(), frame.remaining(), StandardCharsets.UTF_8);
        }
        return StandardCharsets.UTF_8.decode(frame.duplicate()).toString();
    }

    @Override
    public String toString() {
        return "Codec.utf8()";
    }
}
