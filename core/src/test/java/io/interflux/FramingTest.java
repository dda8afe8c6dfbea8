package io.interflux;

import io.interflux.internal.FrameDecoder;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(10)
@DisplayName("Framing")
class FramingTest {

    /** Feeds {@code input} in pieces of {@code step} bytes, as reads would, and collects frames. */
    static List<String> decode(Framing framing, String input, int step, boolean direct) {
        byte[] bytes = input.getBytes(StandardCharsets.UTF_8);
        FrameDecoder decoder = framing.newDecoder();
        ByteBuffer buf = direct ? ByteBuffer.allocateDirect(bytes.length + 16) : ByteBuffer.allocate(bytes.length + 16);
        buf.flip();
        List<String> frames = new ArrayList<>();
        for (int at = 0; at < bytes.length; at += step) {
            buf.compact();
            buf.put(bytes, at, Math.min(step, bytes.length - at));
            buf.flip();
            ByteBuffer f;
            while ((f = decoder.decode(buf)) != null) {
                frames.add(Codec.utf8().decode(f));
            }
        }
        ByteBuffer last = decoder.decodeLast(buf);
        if (last != null) {
            frames.add(Codec.utf8().decode(last));
        }
        return frames;
    }

    @Test
    @DisplayName("lines are cut at '\\n' with '\\r' stripped, however the bytes arrive")
    void lines() {
        for (int step : new int[] {1, 2, 3, 7, 100}) {
            for (boolean direct : new boolean[] {true, false}) {
                assertThat(decode(Framing.lines(100), "a\r\nbb\n\nccc", step, direct))
                        .as("step %d direct %s", step, direct)
                        .containsExactly("a", "bb", "", "ccc");
            }
        }
    }

    @Test
    @DisplayName("a line over the limit fails naming the limit, even before its end arrives")
    void lineTooLong() {
        assertThatThrownBy(() -> decode(Framing.lines(4), "abcd\nabcdef", 1, false))
                .isInstanceOf(FrameTooLargeException.class)
                .hasMessageContaining("limit=4");
    }

    @Test
    @DisplayName("multi-byte delimiters split across reads are found")
    void delimiter() {
        Framing f = Framing.delimiter("<>".getBytes(StandardCharsets.UTF_8), 50);
        assertThat(decode(f, "one<>two<><>three", 1, true)).containsExactly("one", "two", "", "three");
    }

    @Test
    @DisplayName("length-prefixed frames decode across reads and refuse oversize lengths")
    void lengthPrefixed() {
        ByteBuffer in = ByteBuffer.allocate(64);
        in.putInt(3).put("abc".getBytes(StandardCharsets.UTF_8)).putInt(0).putInt(2).put((byte) 'x');
        in.flip();
        FrameDecoder d = Framing.lengthPrefixed(10).newDecoder();
        assertThat(Codec.utf8().decode(d.decode(in))).isEqualTo("abc");
        assertThat(Codec.bytes().decode(d.decode(in))).isEmpty();
        assertThat(d.decode(in)).isNull();
        assertThatThrownBy(() -> d.decodeLast(in)).isInstanceOf(TruncatedFrameException.class)
                .hasMessageContaining("inside a length-prefixed frame");

        ByteBuffer big = ByteBuffer.allocate(8).putInt(11);
        big.flip();
        assertThatThrownBy(() -> Framing.lengthPrefixed(10).newDecoder().decode(big))
                .isInstanceOf(FrameTooLargeException.class)
                .hasMessageContaining("size=11, limit=10");
    }

    @Test
    @DisplayName("encoders frame payloads and refuse what cannot be framed")
    void encoders() {
        assertThat(Framing.lengthPrefixed(8).encoder().prefix(new byte[5])).containsExactly(0, 0, 0, 5);
        assertThatThrownBy(() -> Framing.lengthPrefixed(8).encoder().check(new byte[9], "FIFO /x"))
                .isInstanceOf(FrameTooLargeException.class).hasMessageContaining("limit=8").hasMessageContaining("FIFO /x");
        assertThatThrownBy(() -> Framing.lines(8).encoder().check("a\nb".getBytes(StandardCharsets.UTF_8), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("index 1");
        assertThat(Framing.lines(8).encoder().suffix()).containsExactly('\n');
    }

    @Test
    @DisplayName("frames are views decoded in place; the bytes codec copies them out")
    void viewsAndCopies() {
        ByteBuffer in = ByteBuffer.allocate(16).put("ab\ncd\n".getBytes(StandardCharsets.UTF_8));
        in.flip();
        FrameDecoder d = Framing.lines(8).newDecoder();
        ByteBuffer view = d.decode(in);
        assertThat(view.remaining()).isEqualTo(2);
        byte[] copy = Codec.bytes().decode(view);
        in.put(0, (byte) 'X');
        assertThat(copy).containsExactly('a', 'b');
        assertThat(view.get(0)).isEqualTo((byte) 'X');
        ByteBuffer direct = ByteBuffer.allocateDirect(4).put((byte) 'h').put((byte) 'i');
        direct.flip();
        assertThat(Codec.utf8().decode(direct)).isEqualTo("hi");
        assertThat(Codec.bytes().decode(direct)).containsExactly('h', 'i');
    }

    @Test
    @DisplayName("raw chunks are whatever was read")
    void raw() {
        assertThat(decode(Framing.raw(), "abcdef", 4, false)).containsExactly("abcd", "ef");
    }
}
