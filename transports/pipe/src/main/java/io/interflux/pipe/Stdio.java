package io.interflux.pipe;

/**
 * Where one of a child's standard streams goes.
 *
 * <ul>
 *   <li>{@link #pipe()}: a pipe to this JVM, read or written through {@link ChildProcess} (the default)</li>
 *   <li>{@link #inherit()}: the child shares this JVM's descriptor</li>
 *   <li>{@link #discard()}: {@code /dev/null}</li>
 * </ul>
 *
 * A piped stream must be consumed: a child whose stdout or stderr pipe is full waits for the
 * reader, which is the backpressure Interflux is built for. Discard what you will not read.
 */
public enum Stdio {
    /** A pipe between this JVM and the child. */
    PIPE,
    /** This JVM's own descriptor. */
    INHERIT,
    /** {@code /dev/null}. */
    DISCARD;

    /** A pipe between this JVM and the child. */
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
}
