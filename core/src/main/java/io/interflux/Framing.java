package io.interflux;

import io.interflux.internal.FrameDecoder;
import io.interflux.internal.FrameEncoder;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * How a byte stream (pipe, FIFO, stream socket) is cut into frames, and how frames are written.
 *
 * <p>Every framing but {@link #raw()} has a maximum frame size, from 1 to
 * {@link Integer#MAX_VALUE}. A frame up to the maximum arrives whole; a reader that meets a larger
 * frame fails its stream with {@link FrameTooLargeException} and delivers nothing after it; a
 * writer refuses such a frame before writing a byte of it. The reader's buffer starts at its read
 * size and grows only as the bytes of a long frame actually arrive (doubling, never past the
 * frame's own size when the framing knows it), so a large maximum costs nothing until a large
 * frame comes; a frame the JVM cannot hold in one array ({@value #LARGEST_FRAME} bytes with its
 * framing) fails with {@link FrameTooLargeException} even under a larger maximum.
 *
 * <pre>{@code
 * Framing.raw()                      // each read as it comes, at most the read buffer size
 * Framing.lines(8192)                // '\n'-terminated, '\r' before it stripped, at most 8192 bytes
 * Framing.lines(8192).strict()       // ... and a last line without '\n' fails the stream
 * Framing.lengthPrefixed(1 << 20)    // 4-byte big-endian length, then the payload
 * Framing.lengthPrefixed(3, 0xFF_FFFF) // 3-byte length, as RSocket's TCP transport frames
 * Framing.delimiter(new byte[]{0}, 4096)
 * }</pre>
 *
 * <p>A stream that ends inside a frame: a length-prefixed framing fails with
 * {@link TruncatedFrameException}; lines and delimited frames deliver the unterminated rest as a
 * last frame, as {@code BufferedReader.readLine()} does, unless made {@link #strict()}, when they
 * fail with {@link TruncatedFrameException} too (a writer killed mid-line then never passes its
 * fragment off as a line).
 *
 * Instances are immutable and may be shared.
 */
public abstract class Framing {

    /** The line length {@link #lines()} allows. */
    public static final int DEFAULT_MAX_LINE = 64 * 1024;

    /** The most bytes a reader holds for one frame, framing included: the largest Java array. */
    public static final int LARGEST_FRAME = Integer.MAX_VALUE - 8;

    static {
        io.interflux.internal.Spi.install(null, new io.interflux.internal.Spi.Framings() {
            @Override
            public FrameDecoder decoder(Framing framing, String object) {
                return framing.newDecoder(object);
            }

            @Override
            public FrameEncoder encoder(Framing framing) {
                return framing.encoder();
            }

            @Override
            public int largestBuffer(Framing framing) {
                return framing.largestBuffer();
            }
        });
    }

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
     * the frame, nor of its length. A last line without terminator is delivered at end of stream
     * (see {@link #strict()}). Writing appends {@code '\n'} and refuses payloads that contain one.
     *
     * @param maxLineLength the longest line in bytes, terminator excluded, 1 to {@link Integer#MAX_VALUE}
     */
    public static Framing lines(int maxLineLength) {
        return new Delimited(new byte[] {'\n'}, maxLineLength, true, false);
    }

    /**
     * Frames ended by {@code delimiter} (not part of the frame), at most {@code maxFrameSize} bytes.
     * A last frame without delimiter is delivered at end of stream (see {@link #strict()}).
     */
    public static Framing delimiter(byte[] delimiter, int maxFrameSize) {
        if (delimiter == null || delimiter.length == 0) {
            throw new IllegalArgumentException("a non-empty delimiter is required");
        }
        return new Delimited(delimiter.clone(), maxFrameSize, false, false);
    }

    /**
     * A 4-byte big-endian unsigned length, then that many bytes, at most {@code maxFrameSize}. A
     * stream that ends inside a frame fails with {@link TruncatedFrameException}.
     */
    public static Framing lengthPrefixed(int maxFrameSize) {
        return new LengthPrefixed(4, maxFrameSize);
    }

    /**
     * A big-endian unsigned length of {@code lengthFieldBytes} bytes, then that many bytes, at most
     * {@code maxFrameSize}: {@code lengthPrefixed(3, 0xFF_FFFF)} is the framing of RSocket's TCP
     * transport. A stream that ends inside a frame fails with {@link TruncatedFrameException}.
     *
     * @param lengthFieldBytes 1 to 4
     * @param maxFrameSize 1 to the largest length the field holds ({@code 2^(8 * lengthFieldBytes) - 1})
     */
    public static Framing lengthPrefixed(int lengthFieldBytes, int maxFrameSize) {
        if (lengthFieldBytes < 1 || lengthFieldBytes > 4) {
            throw new IllegalArgumentException("lengthFieldBytes from 1 to 4 required but it was " + lengthFieldBytes);
        }
        long largest = (1L << (8 * lengthFieldBytes)) - 1;
        if (maxFrameSize > largest) {
            throw new IllegalArgumentException("a " + lengthFieldBytes + "-byte length holds at most " + largest
                    + " but maxFrameSize was " + maxFrameSize);
        }
        return new LengthPrefixed(lengthFieldBytes, maxFrameSize);
    }

    /** The largest payload this framing accepts, {@link Integer#MAX_VALUE} for {@link #raw()}. */
    public int maxFrameSize() {
        return maxFrameSize;
    }

    /**
     * This framing, failing the stream with {@link TruncatedFrameException} when it ends inside a
     * frame: for lines and delimited frames, a last frame without its terminator. Length-prefixed
     * framing is always strict, and raw chunks have no frames to cut short: both return themselves.
     */
    public Framing strict() {
        return this;
    }

    /** Bytes the framing puts around a payload of the maximum size on the wire, at most. */
    abstract int overhead();

    /**
     * The largest read buffer a stream of this framing ever needs: the maximum frame and its
     * framing, capped at {@link #LARGEST_FRAME}; 0 for {@link #raw()}, whose chunks are never
     * longer than one read.
     */
    int largestBuffer() {
        return (int) Math.min((long) maxFrameSize + overhead(), LARGEST_FRAME);
    }

    /** A fresh decoder for one stream whose errors name no object. */
    FrameDecoder newDecoder() {
        return newDecoder(null);
    }

    /**
     * A fresh decoder for one stream; transports reach it through {@link io.interflux.internal.Spi}.
     *
     * @param object what the stream is, for errors: {@code "stdout of ls [pid 42]"}
     */
    abstract FrameDecoder newDecoder(String object);

    /** The encoder for writers; transports reach it through {@link io.interflux.internal.Spi}. */
    abstract FrameEncoder encoder();

    static final class Raw extends Framing implements FrameEncoder {
        static final Raw INSTANCE = new Raw();
        private static final byte[] NONE = new byte[0];

        private Raw() {
            super(Integer.MAX_VALUE);
        }

        @Override
        int overhead() {
            return 0;
        }

        @Override
        int largestBuffer() {
            return 0;
        }

        @Override
        FrameDecoder newDecoder(String object) {
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
        FrameEncoder encoder() {
            return this;
        }

        @Override
        public void check(byte[] payload, String object) {
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
        private static final String WHAT = "length-prefixed frame";
        private final int field;

        LengthPrefixed(int field, int maxFrameSize) {
            super(maxFrameSize);
            this.field = field;
        }

        @Override
        int overhead() {
            return field;
        }

        @Override
        FrameDecoder newDecoder(String object) {
            int max = maxFrameSize();
            int field = this.field;
            // what a reader can hold: the maximum, or less when the maximum exceeds a Java array
            long holdable = Math.min(max, (long) LARGEST_FRAME - field);
            return new FrameDecoder() {
                private final FrameView view = new FrameView();

                @Override
                public ByteBuffer decode(ByteBuffer in) {
                    long total = frameSize(in);
                    if (total < 0 || in.remaining() < total) {
                        return null;
                    }
                    return view.take(in, in.position() + field, (int) (total - field), (int) total);
                }

                @Override
                public long frameSize(ByteBuffer in) {
                    if (in.remaining() < field) {
                        return -1;
                    }
                    long length = 0;
                    for (int i = 0, at = in.position(); i < field; i++) {
                        length = length << 8 | (in.get(at + i) & 0xFF);
                    }
                    if (length > max) {
                        throw new FrameTooLargeException(WHAT, object, max, length);
                    }
                    if (length > holdable) {
                        throw new FrameTooLargeException(WHAT + " (more than one Java array holds)", object, holdable, length);
                    }
                    return field + length;
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
                    throw new TruncatedFrameException(WHAT, object, in.remaining(), frameSize(in));
                }
            };
        }

        @Override
        FrameEncoder encoder() {
            return this;
        }

        @Override
        public void check(byte[] payload, String object) {
            if (payload.length > maxFrameSize()) {
                throw new FrameTooLargeException(WHAT, object, maxFrameSize(), payload.length);
            }
        }

        @Override
        public byte[] prefix(byte[] payload) {
            byte[] prefix = new byte[field];
            for (int i = field - 1, n = payload.length; i >= 0; i--, n >>>= 8) {
                prefix[i] = (byte) n;
            }
            return prefix;
        }

        @Override
        public boolean put(ByteBuffer buffer, byte[] payload) {
            if (buffer.remaining() < field + payload.length) {
                return false;
            }
            if (field == 4) {
                buffer.putInt(payload.length); // big-endian, as prefix() spells it
            } else {
                for (int shift = 8 * (field - 1); shift >= 0; shift -= 8) {
                    buffer.put((byte) (payload.length >>> shift));
                }
            }
            buffer.put(payload);
            return true;
        }

        @Override
        public int overhead(byte[] payload) {
            return field;
        }

        @Override
        public byte[] suffix() {
            return NONE;
        }

        @Override
        public String toString() {
            return field == 4 ? "Framing.lengthPrefixed(" + maxFrameSize() + ")"
                    : "Framing.lengthPrefixed(" + field + ", " + maxFrameSize() + ")";
        }
    }

    static final class Delimited extends Framing implements FrameEncoder {
        private static final byte[] NONE = new byte[0];
        private final byte[] delimiter;
        private final boolean lines;
        private final boolean strict;

        Delimited(byte[] delimiter, int maxFrameSize, boolean lines, boolean strict) {
            super(maxFrameSize);
            this.delimiter = delimiter;
            this.lines = lines;
            this.strict = strict;
        }

        @Override
        int overhead() {
            // a line may carry "\r\n"
            return delimiter.length + (lines ? 1 : 0);
        }

        @Override
        public Framing strict() {
            return strict ? this : new Delimited(delimiter, maxFrameSize(), lines, true);
        }

        @Override
        FrameDecoder newDecoder(String object) {
            return new DelimitedDecoder(delimiter, Math.min(maxFrameSize(), LARGEST_FRAME - overhead()),
                    maxFrameSize(), lines, strict, object);
        }

        @Override
        FrameEncoder encoder() {
            return this;
        }

        @Override
        public void check(byte[] payload, String object) {
            if (payload.length > maxFrameSize()) {
                throw new FrameTooLargeException(lines ? "line" : "delimited frame", object, maxFrameSize(), payload.length);
            }
            int at = indexOf(payload, 0, payload.length, delimiter);
            if (at >= 0) {
                throw new IllegalArgumentException((lines ? "a line may not contain '\\n'" : "a frame may not contain its delimiter")
                        + ", found at index " + at + (object == null ? "" : ", writing to " + object));
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
        public boolean put(ByteBuffer buffer, byte[] payload) {
            if (buffer.remaining() < payload.length + delimiter.length) {
                return false;
            }
            buffer.put(payload).put(delimiter);
            return true;
        }

        @Override
        public int overhead(byte[] payload) {
            return delimiter.length;
        }

        @Override
        public String toString() {
            String s = lines ? "Framing.lines(" + maxFrameSize() + ")"
                    : "Framing.delimiter(" + new String(delimiter, StandardCharsets.ISO_8859_1) + ", " + maxFrameSize() + ")";
            return strict ? s + ".strict()" : s;
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
        /** The longest payload accepted: the maximum, or less when it exceeds a Java array. */
        private final int max;
        private final int declaredMax;
        private final boolean lines;
        private final boolean strict;
        private final String object;
        /** The most bytes that may wait for a delimiter: a whole payload, a '\r', all but one delimiter byte. */
        private final long longestPending;
        private final FrameView view = new FrameView();
        /** Bytes after the buffer position already known not to start a delimiter. */
        private int scanned;

        DelimitedDecoder(byte[] delimiter, int max, int declaredMax, boolean lines, boolean strict, String object) {
            this.delimiter = delimiter;
            this.max = max;
            this.declaredMax = declaredMax;
            this.lines = lines;
            this.strict = strict;
            this.object = object;
            this.longestPending = (long) max + (lines ? 1 : 0) + delimiter.length - 1;
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
                int payload = length;
                if (lines && payload > 0 && in.get(i - 1) == '\r') {
                    payload--;
                }
                if (payload > max) {
                    throw tooLarge(payload);
                }
                ByteBuffer frame = view.take(in, start, payload, length + delimiter.length);
                scanned = 0;
                return frame;
            }
            int pending = in.remaining();
            scanned = Math.max(0, pending - delimiter.length + 1);
            if (pending > longestPending) {
                // no delimiter can make this a legal frame any more
                throw tooLarge(pending - (delimiter.length - 1) - (lines ? 1 : 0));
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
            String what = lines ? "line" : "delimited frame";
            return max < declaredMax
                    ? new FrameTooLargeException(what + " (more than one Java array holds)", object, max, size)
                    : new FrameTooLargeException(what, object, max, size);
        }

        @Override
        public ByteBuffer decodeLast(ByteBuffer in) {
            ByteBuffer frame = decode(in);
            if (frame != null || !in.hasRemaining()) {
                return frame;
            }
            int n = in.remaining();
            if (strict) {
                throw new TruncatedFrameException(lines ? "line (no '\\n' before the end)" : "delimited frame (no delimiter before the end)",
                        object, n, -1);
            }
            if (lines && in.get(in.limit() - 1) == '\r') {
                n--;
            }
            if (n > max) {
                throw tooLarge(n);
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
