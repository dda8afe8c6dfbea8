package io.interflux;

/**
 * The one error type of Interflux: every failure the library raises on a stream, a send or an
 * open is one of these, and names the object it concerns.
 *
 * <ul>
 *   <li>{@link IpcException}: an operating-system call failed (operation, object, errno).</li>
 *   <li>{@link FrameTooLargeException}: a frame or message broke its maximum size.</li>
 *   <li>{@link TruncatedFrameException}: a stream ended inside a frame.</li>
 *   <li>{@link DisposedException}: an endpoint was used after it was disposed.</li>
 * </ul>
 *
 * Transports add their own subtypes (a child process that exited with an error, a refused
 * signal). Misuse of the API (a null argument, a second subscriber) throws the usual
 * {@code IllegalArgumentException} or {@code IllegalStateException} instead.
 */
public class InterfluxException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String object;

    /**
     * @param message the whole message, naming {@code object}
     * @param object  what the failure concerns ({@code "FIFO /run/app/inbox"}), or {@code null}
     */
    protected InterfluxException(String message, String object) {
        super(message);
        this.object = object;
    }

    /** What the failure concerns: a path, a queue name, a process; {@code null} when it concerns none. */
    public String object() {
        return object;
    }
}
