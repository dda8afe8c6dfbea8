package io.interflux;

import io.interflux.internal.FrameDecoder;
import io.interflux.internal.FrameEncoder;

import java.io.EOFException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * How a byte stream (pipe, FIFO, stream socket) is cut into frames, and how frames are written.
 *
 * <p>Every framing but {@link #raw()} has a maximum frame size. A reader that meets a larger
 * frame fails its stream with {@link FrameTooLargeException} and delivers nothing after it; a
 * writer refuses such a frame before writing a byte of it.
 *
 * <pre>{@code
 * Framing.raw()                      // each read as it comes, at most the read buffer size
 * Framing.lines(8192)                // '\n'-terminated, '\r' before it stripped, at most 8192 bytes
 * Framing.lengthPrefixed(1 << 20)    // 4-byte big-endian length, then the payload
 * Framing.delimiter(new byte[]{0}, 4096)
 * }</pre>
 *
 * Instances are immutable and may be shared.
 */
public abstract class Framing {

    /** The line length {@link #lines()} allows. */
    public static final int DEFAULT_MAX_LINE = 64 * 1024;

    private final int maxFrameSize;

    Framing(int maxFrameSize) {
        if (maxFrameSize <= 0) {
            throw new IllegalArgumentException("maxFrameSize > 0 required but it was " + maxFrameSize);
        }
        this.maxFrameSize = maxFrameSize;
    }

    /** Chunks as the descriptor delivers them; writes payloads as they are. */
    public static Framing raw() {
        return Raw.INSTANCE;
    }

    /** Lines of at most {@value #DEFAULT_MAX_LINE} bytes. */
    public static Framing lines() {
        return lines(DEFAULT_MAX_LINE);
    }

    /**
     * Lines ended by {@code '\n'}; the terminator and a {@code '\r'} before it are not part of
     * the frame. A last line without terminator is delivered at end of stream. Writing appends
     * {@code '\n'} and refuses payloads that contain one.
     */
    public static Framing lines(int maxLineLength) {
        return new Delimited(new byte[] {'\n'}, maxLineLength, true);
    }

    /** Frames ended by {@code delimiter} (not part of the frame), at most {@code maxFrameSize} bytes. */
    public static Framing delimiter(byte[] delimiter, int maxFrameSize) {
        if (delimiter == null || delimiter.length == 0) {
            throw new IllegalArgumentException("a non-empty delimiter is required");
        }
        return new Delimited(delimiter.clone(), maxFrameSize, false);
    }

    /** A 4-byte big-endian unsigned length, then that many bytes, at most {@code maxFrameSize}. */
    public static Framing lengthPrefixed(int maxFrameSize) {
        return new LengthPrefixed(maxFrameSize);
    }

    /** The largest payload this framing accepts, {@link Integer#MAX_VALUE} for {@link #raw()}. */
    public int maxFrameSize() {
        return maxFrameSize;
    }

    /** Bytes a reader must be able to hold at once to see any legal frame whole. */
    public int minBufferSize() {
        return maxFrameSize == Integer.MAX_VALUE ? 1 : maxFrameSize + 8;
    }

    /** A fresh decoder for one stream. Internal SPI for transports. */
    public abstract FrameDecoder newDecoder();

    /** The encoder for writers. Internal SPI for transports. */
    public abstract FrameEncoder encoder();

    static final class Raw extends Framing implements FrameEncoder {
        static final Raw INSTANCE = new Raw();
        private static final byte[] NONE = new byte[0];

        private Raw() {
            super(Integer.MAX_VALUE);
        }

        @Override
        public FrameDecoder newDecoder() {
            return new FrameDecoder() {
                private final FrameView view = new FrameView();

                @Override
                public ByteBuffer decode(ByteBuffer in) {
                    int n = in.remaining();
                    return n == 0 ? null : view.take(in, in.position(), n, n);
                }

                @Override
                public ByteBuffer decodeLast(ByteBuffer in) {
                    return decode(in);
                }
            };
        }

        @Override
        public FrameEncoder encoder() {
            return this;
        }

        @Override
        public void check(byte[] payload) {
        }

        @Override
        public byte[] prefix(byte[] payload) {
            return NONE;
        }

        @Override
        public byte[] suffix() {
            return NONE;
        }

        @Override
        public String toString() {
            return "Framing.raw()";
        }
    }

    static final class LengthPrefixed extends Framing implements FrameEncoder {
        private static final byte[] NONE = new byte[0];

        LengthPrefixed(int maxFrameSize) {
            super(maxFrameSize);
        }

        @Override
        public FrameDecoder newDecoder() {
            int max = maxFrameSize();
            return new FrameDecoder() {
                private final FrameView view = new FrameView();

                @Override
                public ByteBuffer decode(ByteBuffer in) {
                    if (in.remaining() < 4) {
                        return null;
                    }
                    int start = in.position();
                    long length = in.getInt(start) & 0xFFFF_FFFFL;
                    if (length > max) {
                        throw new FrameTooLargeException("length-prefixed frame", max, length);
                    }
                    if (in.remaining() - 4 < length) {
                        return null;
                    }
                    return view.take(in, start + 4, (int) length, 4 + (int) length);
                }

                @Override
                public ByteBuffer decodeLast(ByteBuffer in) {
                    if (!in.hasRemaining()) {
                        return null;
                    }
                    ByteBuffer frame = decode(in);
                    if (frame != null) {
                        return frame;
                    }
                    throw new UncheckedIOException(new EOFException(
                            "stream ended inside a length-prefixed frame: " + in.remaining() + " bytes left over"));
                }
            };
        }

        @Override
        public FrameEncoder encoder() {
            return this;
        }

        @Override
        public void check(byte[] payload) {
            if (payload.length > maxFrameSize()) {
                throw new FrameTooLargeException("length-prefixed frame", maxFrameSize(), payload.length);
            }
        }

        @Override
        public byte[] prefix(byte[] payload) {
            int n = payload.length;
            return new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
        }

        @Override
        public byte[] suffix() {
            return NONE;
        }

        @Override
        public String toString() {
            return "Framing.lengthPrefixed(" + maxFrameSize() + ")";
        }
    }

    static final class Delimited extends Framing implements FrameEncoder {
        private static final byte[] NONE = new byte[0];
        private final byte[] delimiter;
        private final boolean lines;

        Delimited(byte[] delimiter, int maxFrameSize, boolean lines) {
            super(maxFrameSize);
            this.delimiter = delimiter;
            this.lines = lines;
        }

        @Override
        public int minBufferSize() {
            return maxFrameSize() + delimiter.length + 1;
        }

        @Override
        public FrameDecoder newDecoder() {
            return new DelimitedDecoder(delimiter, maxFrameSize(), lines);
        }

        @Override
        public FrameEncoder encoder() {
            return this;
        }

        @Override
        public void check(byte[] payload) {
            if (payload.length > maxFrameSize()) {
                throw new FrameTooLargeException(lines ? "line" : "delimited frame", maxFrameSize(), payload.length);
            }
            int at = indexOf(payload, 0, payload.length, delimiter);
            if (at >= 0) {
                throw new IllegalArgumentException((lines ? "a line may not contain '\\n'" : "a frame may not contain its delimiter")
                        + ", found at index " + at);
            }
        }

        @Override
        public byte[] prefix(byte[] payload) {
            return NONE;
        }

        @Override
        public byte[] suffix() {
            return delimiter;
        }

        @Override
        public String toString() {
            return lines ? "Framing.lines(" + maxFrameSize() + ")"
                    : "Framing.delimiter(" + new String(delimiter, StandardCharsets.ISO_8859_1) + ", " + maxFrameSize() + ")";
        }
    }

    /**
     * The one view a decoder lends out: each frame moves its window over the stream's buffer, so
     * cutting a frame copies and allocates nothing. A frame is valid until the next decode, which
     * is all {@link FrameDecoder} promises.
     */
    static final class FrameView {
        private ByteBuffer source;
        private ByteBuffer view;

        /** {@code length} bytes at absolute index {@code from}; the position advances by {@code consumed}. */
        ByteBuffer take(ByteBuffer in, int from, int length, int consumed) {
            if (in != source) {
                source = in;
                view = in.duplicate();
            }
            view.limit(from + length).position(from);
            in.position(in.position() + consumed);
            return view;
        }
    }

    static int indexOf(byte[] a, int from, int to, byte[] d) {
        outer:
        for (int i = from; i <= to - d.length; i++) {
            for (int j = 0; j < d.length; j++) {
                if (a[i + j] != d[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static final class DelimitedDecoder implements FrameDecoder {
        private final byte[] delimiter;
        private final int max;
        private final boolean lines;
        private final FrameView view = new FrameView();
        /** Bytes after the buffer position already known not to start a delimiter. */
        private int scanned;

        DelimitedDecoder(byte[] delimiter, int max, boolean lines) {
            this.delimiter = delimiter;
            this.max = max;
            this.lines = lines;
        }

        @Override
        public ByteBuffer decode(ByteBuffer in) {
            int start = in.position();
            int limit = in.limit();
            int d0 = delimiter[0];
            for (int i = start + scanned; i <= limit - delimiter.length; i++) {
                if (in.get(i) != d0 || !matches(in, i)) {
                    continue;
                }
                int length = i - start;
                if (length > max) {
                    throw tooLarge(length);
                }
                int payload = length;
                if (lines && payload > 0 && in.get(i - 1) == '\r') {
                    payload--;
                }
                ByteBuffer frame = view.take(in, start, payload, length + delimiter.length);
                scanned = 0;
                return frame;
            }
            int pending = in.remaining();
            scanned = Math.max(0, pending - delimiter.length + 1);
            if (pending - (delimiter.length - 1) > max) {
                throw tooLarge(pending);
            }
            return null;
        }

        private boolean matches(ByteBuffer in, int at) {
            for (int j = 1; j < delimiter.length; j++) {
                if (in.get(at + j) != delimiter[j]) {
                    return false;
                }
            }
            return true;
        }

        private FrameTooLargeException tooLarge(long size) {
            return new FrameTooLargeException(lines ? "line" : "delimited frame", max, size);
        }

        @Override
        public ByteBuffer decodeLast(ByteBuffer in) {
            ByteBuffer frame = decode(in);
            if (frame != null || !in.hasRemaining()) {
                return frame;
            }
            int n = in.remaining();
            if (n > max) {
                throw tooLarge(n);
            }
            if (lines && in.get(in.limit() - 1) == '\r') {
                n--;
            }
            ByteBuffer tail = view.take(in, in.position(), n, in.remaining());
            scanned = 0;
            return tail;
        }
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (o == null || o.getClass() != getClass()) {
            return false;
        }
        Framing f = (Framing) o;
        return f.maxFrameSize == maxFrameSize && f.toString().equals(toString())
                && (!(f instanceof Delimited) || Arrays.equals(((Delimited) f).delimiter, ((Delimited) this).delimiter));
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }
}
