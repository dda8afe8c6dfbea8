package io.interflux;

/**
 * An endpoint was used after it was disposed (or closed): a send, a receive or a query on a
 * child's closed stdin, a disposed queue, a FIFO writer that was closed. Every transport fails
 * such a call the same way, with {@code "<object> is disposed"}.
 */
public class DisposedException extends InterfluxException {

    private static final long serialVersionUID = 1L;

    /** @param object the endpoint, {@code "POSIX queue /orders"} */
    public DisposedException(String object) {
        super(object + " is disposed", object);
    }
}
