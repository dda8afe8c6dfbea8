package io.interflux;

import io.interflux.internal.Errno;
import io.interflux.internal.Native;

/**
 * An operating-system call made by Interflux failed.
 *
 * <p>It names the operation, the object it was applied to (a path, a queue name, a pid) and the
 * errno, so the message reads like {@code posix_spawnp("no-such-tool") failed: ENOENT (No such
 * file or directory)}, followed by the likely cause: the caller's explanation when it has one,
 * else a hint for the errno ({@code EACCES}: the mode or owner does not allow this access).
 * Transports raise it for every OS failure; frames that break a limit fail with
 * {@link FrameTooLargeException} instead.
 */
public class IpcException extends InterfluxException {

    private static final long serialVersionUID = 1L;

    private final String operation;
    private final int errno;

    /**
     * @param operation the call that failed, {@code "write"}
     * @param object    what it was applied to, {@code "stdin of cat [pid 42]"}
     * @param errno     the errno it failed with
     * @param detail    the likely cause, appended to the message; {@code null} for the errno's
     *                  generic hint
     */
    public IpcException(String operation, String object, int errno, String detail) {
        super(operation + "(" + object + ") failed: " + Native.describe(errno) + cause(errno, detail), object);
        this.operation = operation;
        this.errno = errno;
    }

    private static String cause(int errno, String detail) {
        String why = detail != null ? detail : hint(errno);
        return why == null ? "" : ": " + why;
    }

    /** The usual cause of {@code errno} on an IPC object, or {@code null} when it depends too much on the call. */
    static String hint(int errno) {
        switch (errno) {
            case Errno.EPERM:
            case Errno.EACCES:
                return "the object's mode or owner does not allow this access to this user";
            case Errno.ENOENT:
                return "it does not exist";
            case Errno.ESRCH:
                return "no such process: it has exited";
            case Errno.ENXIO:
                return "no process has it open for reading";
            case Errno.EBADF:
                return "the descriptor is closed: the endpoint was disposed";
            case Errno.EEXIST:
                return "it exists already";
            case Errno.ENFILE:
                return "the system-wide limit on open files is reached";
            case Errno.EMFILE:
                return "this process has too many descriptors open (ulimit -n)";
            case Errno.ENOSPC:
                return "a system-wide limit on objects of this kind is reached";
            case Errno.EPIPE:
                return "the other end is closed: the reader has gone";
            case Errno.ENAMETOOLONG:
                return "the name is too long";
            case Errno.ENOSYS:
                return "this kernel does not have the call";
            case Errno.ELOOP:
                return "the path is a symbolic link, which Interflux does not follow";
            case Errno.EIDRM:
                return "the object was removed";
            default:
                return null;
        }
    }

    /** The failure of {@code operation} on {@code object} with {@code errno}. */
    public static IpcException fromErrno(String operation, String object, int errno) {
        return new IpcException(operation, object, errno, null);
    }

    /** The call that failed, {@code "posix_spawnp"}. */
    public String operation() {
        return operation;
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
