package io.interflux.fifo;

import io.interflux.internal.Errno;
import io.interflux.Creation;
import io.interflux.IpcException;
import io.interflux.internal.FileLibC;
import io.interflux.internal.Native;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * One FIFO in the file system, pinned by an {@code O_PATH} descriptor.
 *
 * <p>The path is resolved once, without following a symbolic link in its last component; every
 * later open goes through {@code /proc/self/fd/N} of that descriptor, so the FIFO that was checked
 * is the FIFO that is opened even if the name is swapped meanwhile. Not thread-safe: used by one
 * open at a time.
 */
final class FifoFile {

    private final Path path;
    private final String object;
    private final boolean created;
    private final long ino;
    private final long dev;
    private int pathFd;

    private FifoFile(Path path, int pathFd, boolean created, long ino, long dev) {
        this.path = path;
        this.object = path.toString();
        this.pathFd = pathFd;
        this.created = created;
        this.ino = ino;
        this.dev = dev;
    }

    /** Rejects paths that climb ({@code ..}) and makes the path absolute. */
    static Path validate(Path path) {
        java.util.Objects.requireNonNull(path, "path");
        if (path.toString().isEmpty()) {
            throw new IllegalArgumentException("a FIFO path must not be empty");
        }
        for (Path element : path) {
            if (element.toString().equals("..")) {
                throw new IllegalArgumentException("a FIFO path may not contain '..', but it was " + path);
            }
        }
        return path.toAbsolutePath().normalize();
    }

    /**
     * Creates the FIFO with exactly {@code mode} when it is absent and {@code create} is set, then
     * pins it. Refuses a path that is a symbolic link or anything but a FIFO.
     */
    static FifoFile pin(Path path, int mode, Creation creation) {
        boolean create = creation != Creation.OPEN_EXISTING;
        FileLibC fifo = FileLibC.get();
        String p = path.toString();
        boolean created = false;
        if (create) {
            if (fifo.mkfifo(p, mode) == 0) {
                created = true;
            } else {
                int errno = Native.errno();
                if (errno != Errno.EEXIST || creation == Creation.CREATE_NEW) {
                    throw IpcException.fromErrno("mkfifo", p + ", 0" + Integer.toOctalString(mode), errno);
                }
            }
        }
        int fd = Native.libc().open(p, FileLibC.O_PATH | Native.O_NOFOLLOW | Native.O_CLOEXEC, 0);
        if (fd < 0) {
            int errno = Native.errno();
            throw new IpcException("open", p, errno,
                    errno == Errno.ENOENT && !create ? "no FIFO there, and the spec opens existing ones only" : null);
        }
        try {
            ByteBuffer stx = statx(fd, p);
            int type = stx.getShort(FileLibC.STATX_MODE_OFFSET) & FileLibC.S_IFMT;
            if (type != FileLibC.S_IFIFO) {
                throw new IpcException("open", p, Errno.EEXIST, "the path exists and is " + describe(type)
                        + ", not a FIFO; refusing to use it");
            }
            if (created) {
                // mkfifo applied the umask; set the bits asked for, through the pinned descriptor
                if (fifo.chmod(procPath(fd), mode) < 0) {
                    throw IpcException.fromErrno("chmod", p + ", 0" + Integer.toOctalString(mode), Native.errno());
                }
            }
            long ino = stx.getLong(FileLibC.STATX_INO_OFFSET);
            long dev = devOf(stx);
            return new FifoFile(path, fd, created, ino, dev);
        } catch (RuntimeException e) {
            Native.libc().close(fd);
            if (created) {
                fifo.unlink(p);
            }
            throw e;
        }
    }

    /** The FIFO's current permission bits, read through the pinned descriptor. */
    int mode() {
        return statx(pathFd, object).getShort(FileLibC.STATX_MODE_OFFSET) & 07777;
    }

    /** Whether this open created the FIFO. */
    boolean created() {
        return created;
    }

    Path path() {
        return path;
    }

    /** Opens the pinned FIFO for I/O with {@code flags} (plus non-blocking, close-on-exec): the fd, or {@code -errno}. */
    int open(int flags) {
        int fd = Native.libc().open(procPath(pathFd), flags | Native.O_NONBLOCK | Native.O_CLOEXEC, 0);
        return fd >= 0 ? fd : -Native.errno();
    }

    /** Releases the {@code O_PATH} descriptor; idempotent. */
    void unpin() {
        if (pathFd >= 0) {
            Native.libc().close(pathFd);
            pathFd = -1;
        }
    }

    /**
     * Unlinks the FIFO when this open created it and the name still denotes that same FIFO (not
     * something put there since).
     */
    static void unlinkIfSame(Path path, long ino, long dev) {
        String p = path.toString();
        ByteBuffer stx = ByteBuffer.allocateDirect(FileLibC.STATX_SIZE).order(ByteOrder.nativeOrder());
        int r = FileLibC.get().statx(FileLibC.AT_FDCWD, p, FileLibC.AT_SYMLINK_NOFOLLOW,
                FileLibC.STATX_TYPE | FileLibC.STATX_INO, Native.address(stx));
        if (r == 0 && (stx.getShort(FileLibC.STATX_MODE_OFFSET) & FileLibC.S_IFMT) == FileLibC.S_IFIFO
                && stx.getLong(FileLibC.STATX_INO_OFFSET) == ino && devOf(stx) == dev) {
            FileLibC.get().unlink(p);
        }
    }

    /** What to unlink on dispose, or {@code null} when this open did not create the FIFO. */
    Runnable unlinker() {
        if (!created) {
            return null;
        }
        Path p = path;
        long i = ino;
        long d = dev;
        return () -> unlinkIfSame(p, i, d);
    }

    private static ByteBuffer statx(int fd, String object) {
        return Native.statx(fd, object, FileLibC.STATX_TYPE | FileLibC.STATX_MODE | FileLibC.STATX_INO);
    }

    private static long devOf(ByteBuffer stx) {
        return ((long) stx.getInt(FileLibC.STATX_DEV_MAJOR_OFFSET) << 32)
                | (stx.getInt(FileLibC.STATX_DEV_MINOR_OFFSET) & 0xFFFF_FFFFL);
    }

    private static String procPath(int fd) {
        return "/proc/self/fd/" + fd;
    }

    private static String describe(int type) {
        switch (type) {
            case FileLibC.S_IFLNK:
                return "a symbolic link";
            case FileLibC.S_IFREG:
                return "a regular file";
            case FileLibC.S_IFDIR:
                return "a directory";
            case FileLibC.S_IFSOCK:
                return "a socket";
            default:
                return "a special file (type 0" + Integer.toOctalString(type) + ")";
        }
    }

    @Override
    public String toString() {
        return "FIFO " + object;
    }
}
