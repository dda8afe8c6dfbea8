package io.interflux;

import io.interflux.internal.Native;

/**
 * An operating-system call made by Interflux failed.
 *
 * <p>It names the operation, the object it was applied to (a path, a queue name, a pid) and the
 * errno, so the message reads like {@code posix_spawnp("no-such-tool") failed: ENOENT (No such
 * file or directory)}. Transports raise it for every OS failure; frames that break a limit fail
 * with {@link FrameTooLargeException} instead.
 */
public class IpcException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String operation;
    private final String object;
    private final int errno;

    /**
     * @param operation the call that failed, {@code "write"}
     * @param object    what it was applied to, {@code "stdin of cat [pid 42]"}
     * @param errno     the errno it failed with
     * @param detail    an explanation appended to the message, or {@code null}
     */
    public IpcException(String operation, String object, int errno, String detail) {
        super(operation + "(" + object + ") failed: " + Native.describe(errno)
                + (detail == null ? "" : ": " + detail));
        this.operation = operation;
        this.object = object;
        this.errno = errno;
    }

    /** The failure of {@code operation} on {@code object} with {@code errno}. */
    public static IpcException fromErrno(String operation, String object, int errno) {
        return new IpcException(operation, object, errno, null);
    }

    /** The call that failed, {@code "posix_spawnp"}. */
    public String operation() {
        return operation;
    }

    /** The object the call was applied to: a path, a name, a pid. */
    public String object() {
        return object;
    }

    /** The errno number. */
    public int errno() {
        return errno;
    }

    /** The errno's symbolic name, {@code "EPIPE"}. */
    public String errnoName() {
        return Native.errnoName(errno);
    }
}
