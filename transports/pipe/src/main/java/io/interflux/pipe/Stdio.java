package io.interflux.pipe;

/**
 * Where one of a child's standard streams goes.
 *
 * <ul>
 *   <li>{@link #pipe()}: a pipe to this JVM, read or written through {@link ChildProcess} (the
 *       default for stdin and stdout)</li>
 *   <li>{@link #capture()}: a pipe this JVM drains at once, keeping only the last
 *       {@value #DEFAULT_CAPTURE_BYTES} bytes for the error raised when the child fails (the
 *       default for stderr)</li>
 *   <li>{@link #inherit()}: the child shares this JVM's descriptor</li>
 *   <li>{@link #discard()}: {@code /dev/null}</li>
 * </ul>
 *
 * A piped stream must be consumed: a child whose stdout or stderr pipe is full waits for the
 * reader, which is the backpressure Interflux is built for. That is why stderr is captured by
 * default rather than piped: a child that writes more than a pipe holds (64 KiB) to a stderr
 * nobody reads would otherwise block forever, its stdout would never end, and its own error
 * message would stay hidden. Capturing reads stderr as it comes, with no demand and no
 * backpressure, into a fixed-size tail that drops the oldest bytes; the tail is attached to
 * {@link ChildExitException} when the child exits with a non-zero status.
 */
public final class Stdio {

    /** How many of the last stderr bytes {@link #capture()} keeps. */
    public static final int DEFAULT_CAPTURE_BYTES = 8192;

    enum Kind { PIPE, CAPTURE, INHERIT, DISCARD }

    /** A pipe between this JVM and the child. */
    public static final Stdio PIPE = new Stdio(Kind.PIPE, 0);
    /** This JVM's own descriptor. */
    public static final Stdio INHERIT = new Stdio(Kind.INHERIT, 0);
    /** {@code /dev/null}. */
    public static final Stdio DISCARD = new Stdio(Kind.DISCARD, 0);
    private static final Stdio CAPTURE = new Stdio(Kind.CAPTURE, DEFAULT_CAPTURE_BYTES);

    final Kind kind;
    final int captureBytes;

    private Stdio(Kind kind, int captureBytes) {
        this.kind = kind;
        this.captureBytes = captureBytes;
    }

    /** A pipe between this JVM and the child, read or written with demand. */
    public static Stdio pipe() {
        return PIPE;
    }

    /** This JVM's own descriptor. */
    public static Stdio inherit() {
        return INHERIT;
    }

    /** {@code /dev/null}. */
    public static Stdio discard() {
        return DISCARD;
    }

    /**
     * A pipe drained as it fills, keeping the last {@value #DEFAULT_CAPTURE_BYTES} bytes (stderr
     * only). The child never blocks on it.
     */
    public static Stdio capture() {
        return CAPTURE;
    }

    /** A pipe drained as it fills, keeping the last {@code bytes} bytes (stderr only). */
    public static Stdio capture(int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("capture bytes > 0 required but it was " + bytes);
        }
        return bytes == DEFAULT_CAPTURE_BYTES ? CAPTURE : new Stdio(Kind.CAPTURE, bytes);
    }

    /** Whether this end is a pipe to this JVM (piped or captured). */
    boolean isPipe() {
        return kind == Kind.PIPE || kind == Kind.CAPTURE;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Stdio && ((Stdio) o).kind == kind && ((Stdio) o).captureBytes == captureBytes;
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + captureBytes;
    }

    @Override
    public String toString() {
        switch (kind) {
            case PIPE:
                return "Stdio.pipe()";
            case CAPTURE:
                return captureBytes == DEFAULT_CAPTURE_BYTES ? "Stdio.capture()" : "Stdio.capture(" + captureBytes + ")";
            case INHERIT:
                return "Stdio.inherit()";
            default:
                return "Stdio.discard()";
        }
    }
}
