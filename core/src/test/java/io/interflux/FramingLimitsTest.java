package io.interflux;

import io.interflux.internal.FrameDecoder;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every maximum, every framing: max - 1 and max arrive whole, max + 1 fails, nothing overflows. */
@Timeout(60)
@DisplayName("Framing limits")
class FramingLimitsTest {

    static final int[] MAXIMA = {1, 2, 3, 100, 70_000};

    static Stream<Arguments> framings() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (int max : MAXIMA) {
            b.add(Arguments.of(Framing.lines(max), max));
            b.add(Arguments.of(Framing.lines(max).strict(), max));
            b.add(Arguments.of(Framing.delimiter(new byte[] {'<', '>'}, max), max));
            b.add(Arguments.of(Framing.delimiter(new byte[] {0}, max), max));
            b.add(Arguments.of(Framing.lengthPrefixed(max), max));
        }
        return b.build();
    }

    /** {@code size} bytes that hold no delimiter of any framing here. */
    static byte[] payload(int size) {
        byte[] p = new byte[size];
        for (int i = 0; i < size; i++) {
            p[i] = (byte) ('a' + i % 26);
        }
        return p;
    }

    static byte[] encode(Framing framing, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(framing.encoder().prefix(payload));
        out.writeBytes(payload);
        out.writeBytes(framing.encoder().suffix());
        return out.toByteArray();
    }

    /** Decodes {@code wire} fed in reads of {@code step} bytes into a buffer of {@link Framing#largestBuffer()}. */
    static byte[] decodeOne(Framing framing, byte[] wire, int step) {
        FrameDecoder d = framing.newDecoder("test stream");
        ByteBuffer in = ByteBuffer.allocate(framing.largestBuffer());
        in.flip();
        for (int at = 0; at < wire.length; ) {
            in.compact();
            int n = Math.min(Math.min(step, wire.length - at), in.remaining());
            if (n == 0) {
                throw new AssertionError("the buffer of largestBuffer() bytes is full and the decoder did not refuse the frame");
            }
            in.put(wire, at, n);
            at += n;
            in.flip();
            ByteBuffer f = d.decode(in);
            if (f != null) {
                byte[] bytes = new byte[f.remaining()];
                f.get(bytes);
                assertThat(in.hasRemaining()).as("nothing after the frame").isFalse();
                return bytes;
            }
        }
        ByteBuffer f = d.decodeLast(in);
        assertThat(f).as("a frame").isNotNull();
        byte[] bytes = new byte[f.remaining()];
        f.get(bytes);
        return bytes;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("framings")
    @DisplayName("frames of max - 1 and max bytes arrive whole, in one read or byte by byte")
    void upToTheMaximum(Framing framing, int max) {
        for (int size : new int[] {max - 1, max}) {
            byte[] p = payload(size);
            byte[] wire = encode(framing, p);
            assertThat(decodeOne(framing, wire, wire.length)).as("size %d in one read", size).isEqualTo(p);
            if (max <= 100) {
                assertThat(decodeOne(framing, wire, 1)).as("size %d byte by byte", size).isEqualTo(p);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("framings")
    @DisplayName("a frame of max + 1 bytes fails reader and writer with FrameTooLargeException naming the object")
    void overTheMaximum(Framing framing, int max) {
        byte[] p = payload(max + 1);
        assertThatThrownBy(() -> framing.encoder().check(p, "FIFO /w"))
                .isInstanceOf(FrameTooLargeException.class)
                .hasMessageContaining("FIFO /w").hasMessageContaining("limit=" + max);
        byte[] wire = encode(framing, p);
        assertThatThrownBy(() -> decodeOne(framing, wire, wire.length))
                .isInstanceOf(FrameTooLargeException.class)
                .hasMessageContaining("test stream")
                .hasMessageContaining("limit=" + max)
                .satisfies(e -> assertThat(((FrameTooLargeException) e).object()).isEqualTo("test stream"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("framings")
    @DisplayName("a reader never needs more than max + framing bytes of buffer, and largestBuffer never overflows")
    void bufferBound(Framing framing, int max) {
        assertThat(framing.largestBuffer()).isBetween(max + 1, max + 4);
    }

    @Test
    @DisplayName("the largest maximum: no overflow, and frames far beyond a read buffer arrive whole")
    void largestMaximum() {
        for (Framing f : new Framing[] {Framing.lines(Integer.MAX_VALUE), Framing.lines(Integer.MAX_VALUE).strict(),
                Framing.delimiter(new byte[] {'<', '>'}, Integer.MAX_VALUE), Framing.lengthPrefixed(Integer.MAX_VALUE)}) {
            assertThat(f.largestBuffer()).as("%s", f).isEqualTo(Framing.LARGEST_FRAME);
            byte[] p = payload(1 << 20);
            assertThat(decodeOneGrowing(f, encode(f, p))).as("%s", f).isEqualTo(p);
        }
    }

    @Test
    @DisplayName("a length prefix beyond what a Java array holds fails at once, before any byte of the payload")
    void prefixBeyondAnArray() {
        ByteBuffer in = ByteBuffer.allocate(8).putInt(0xFFFF_FFFF);
        in.flip();
        assertThatThrownBy(() -> Framing.lengthPrefixed(Integer.MAX_VALUE).newDecoder("s").decode(in))
                .isInstanceOf(FrameTooLargeException.class)
                .hasMessageContaining("size=4294967295");
        ByteBuffer near = ByteBuffer.allocate(8).putInt(Integer.MAX_VALUE);
        near.flip();
        assertThatThrownBy(() -> Framing.lengthPrefixed(Integer.MAX_VALUE).newDecoder("s").decode(near))
                .isInstanceOf(FrameTooLargeException.class)
                .hasMessageContaining("more than one Java array holds");
    }

    @Test
    @DisplayName("lines count their payload: a CRLF line of exactly the maximum is accepted")
    void crlfAtTheMaximum() {
        Framing f = Framing.lines(3);
        assertThat(decodeOne(f, "abc\r\n".getBytes(), 5)).containsExactly('a', 'b', 'c');
        assertThat(decodeOne(f, "abc\r\n".getBytes(), 1)).containsExactly('a', 'b', 'c');
        assertThatThrownBy(() -> decodeOne(f, "abcd\r\n".getBytes(), 1)).isInstanceOf(FrameTooLargeException.class);
    }

    @Test
    @DisplayName("an unterminated last line is delivered by default and fails the strict form, naming the bytes left")
    void unterminatedLastLine() {
        assertThat(decodeOne(Framing.lines(10), "partial".getBytes(), 3)).isEqualTo("partial".getBytes());
        assertThatThrownBy(() -> decodeOne(Framing.lines(10).strict(), "partial".getBytes(), 3))
                .isInstanceOf(TruncatedFrameException.class)
                .hasMessageContaining("test stream ended inside a line")
                .hasMessageContaining("7 bytes left over")
                .satisfies(e -> assertThat(((TruncatedFrameException) e).bytesLeft()).isEqualTo(7));
        assertThat(Framing.lengthPrefixed(5).strict()).isEqualTo(Framing.lengthPrefixed(5));
        assertThat(Framing.lines(5).strict()).isNotEqualTo(Framing.lines(5)).hasToString("Framing.lines(5).strict()");
    }

    @Test
    @DisplayName("a length-prefixed stream cut inside a frame fails with TruncatedFrameException naming what arrived")
    void cutLengthPrefixed() {
        byte[] wire = Arrays.copyOf(encode(Framing.lengthPrefixed(100), payload(50)), 20);
        assertThatThrownBy(() -> decodeOne(Framing.lengthPrefixed(100), wire, 7))
                .isInstanceOf(TruncatedFrameException.class)
                .isInstanceOf(InterfluxException.class)
                .hasMessage("test stream ended inside a length-prefixed frame: 20 bytes left over of a frame of 54 bytes");
        assertThatThrownBy(() -> decodeOne(Framing.lengthPrefixed(100), new byte[] {0, 0}, 1))
                .isInstanceOf(TruncatedFrameException.class)
                .hasMessageContaining("2 bytes left over");
    }

    @Test
    @DisplayName("a 3-byte length field frames as RSocket's TCP transport does, and refuses a maximum it cannot spell")
    void threeByteLengthField() {
        Framing rsocket = Framing.lengthPrefixed(3, 0xFF_FFFF);
        byte[] wire = encode(rsocket, payload(300));
        assertThat(Arrays.copyOf(wire, 3)).containsExactly(0, 1, 44); // 300 = 0x00012C
        assertThat(wire).hasSize(303);
        assertThat(decodeOne(rsocket, wire, 7)).isEqualTo(payload(300));
        assertThat(rsocket).hasToString("Framing.lengthPrefixed(3, 16777215)").isNotEqualTo(Framing.lengthPrefixed(0xFF_FFFF));
        assertThatThrownBy(() -> decodeOne(Framing.lengthPrefixed(3, 100), encode(rsocket, payload(101)), 7))
                .isInstanceOf(FrameTooLargeException.class).hasMessageContaining("limit=100");
        assertThatThrownBy(() -> Framing.lengthPrefixed(3, 0x100_0000))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("a 3-byte length holds at most 16777215 but maxFrameSize was 16777216");
        assertThatThrownBy(() -> Framing.lengthPrefixed(5, 10)).hasMessageContaining("from 1 to 4 required but it was 5");
        assertThat(decodeOne(Framing.lengthPrefixed(1, 255), encode(Framing.lengthPrefixed(1, 255), payload(255)), 3)).isEqualTo(payload(255));
    }

    /** Like {@link #decodeOne} but with a buffer that grows the way the reader's does, from 64 KiB. */
    static byte[] decodeOneGrowing(Framing framing, byte[] wire) {
        FrameDecoder d = framing.newDecoder("test stream");
        ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        in.flip();
        int at = 0;
        while (true) {
            ByteBuffer f = at < wire.length ? d.decode(in) : d.decodeLast(in);
            if (f != null) {
                byte[] bytes = new byte[f.remaining()];
                f.get(bytes);
                return bytes;
            }
            if (in.position() == 0 && in.limit() == in.capacity()) {
                ByteBuffer bigger = ByteBuffer.allocate(in.capacity() * 2);
                bigger.put(in).flip();
                in = bigger;
            }
            in.compact();
            int n = Math.min(in.remaining(), wire.length - at);
            in.put(wire, at, n);
            at += n;
            in.flip();
        }
    }
}
