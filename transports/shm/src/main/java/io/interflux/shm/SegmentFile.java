package io.interflux.shm;

import io.interflux.Creation;
import io.interflux.IpcException;
import io.interflux.internal.Errno;
import io.interflux.internal.FileLibC;
import io.interflux.internal.Native;
import io.interflux.shm.internal.ShmLibC;
import org.agrona.concurrent.UnsafeBuffer;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * The file behind every shared-memory object of this module (a ring, shared values, a
 * semaphore): created exclusively with exactly the mode asked for, or attached; never reached
 * through a symbolic link; refused when it is not a regular file or carries another object's
 * header. Each object's {@code *Descriptor} starts with the same three fields: an 8-byte magic at
 * 0, a version at 8 and a ready flag at 12 that the creator stores, with release, last.
 */
final class SegmentFile {

    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 8;
    static final int READY_OFFSET = 12;
    /**
     * In the header of shared values and semaphores: 1 once their creator has disposed, asking for
     * removal, while other openings were left; the last of them to leave removes the object.
     */
    static final int REMOVE_PENDING_OFFSET = 40;
    /**
     * Far beyond any object's end: every opening of shared values or a semaphore holds an OFD read
     * lock on this byte while it is open, so a write lock on it means no other opening is left.
     */
    static final long PRESENCE_OFFSET = 1L << 40;

    /** The file exists but its creator has not marked it ready yet: the spec's {@code open()} retries. */
    static final class NotReadyException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String kind;
        private final String path;
        private final String state;

        NotReadyException(String kind, String path, String state) {
            super(path + ": " + state, null, false, false);
            this.kind = kind;
            this.path = path;
            this.state = state;
        }

        IllegalStateException timedOut(Duration waited) {
            return new IllegalStateException(kind + " " + path + " was not ready after " + waited.toMillis()
                    + " ms (" + state + "): its creator is still initialising it, or died doing so; remove "
                    + path + " if no process uses it");
        }
    }

    /** How often an opening looks again at a file whose creator has not marked it ready. */
    static final Duration ATTACH_RETRY = Duration.ofMillis(10);

    /**
     * A lazy opening: {@code open} runs when subscribed and again, every {@link #ATTACH_RETRY} on a
     * timer (no thread waits), while it finds a file not yet ready, for at most {@code attachTimeout}.
     */
    static <T> Mono<T> opening(Callable<T> open, Duration attachTimeout) {
        long attempts = Math.max(1, attachTimeout.toMillis() / ATTACH_RETRY.toMillis());
        return Mono.fromCallable(open)
                .retryWhen(Retry.fixedDelay(attempts, ATTACH_RETRY)
                        .filter(e -> e instanceof NotReadyException)
                        .onRetryExhaustedThrow((retry, signal) -> ((NotReadyException) signal.failure())
                                .timedOut(attachTimeout)));
    }

    /** {@code d}, checked to be above zero and at most {@code max}. */
    static Duration positive(Duration d, String what, Duration max) {
        java.util.Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero() || d.compareTo(max) > 0) {
            throw new IllegalArgumentException("0 < " + what + " <= " + max + " required but it was " + d);
        }
        return d;
    }

    /** Refuses a path with a {@code ..} part or none naming a file; the absolute path otherwise. */
    static Path validatePath(Path path, String what) {
        java.util.Objects.requireNonNull(path, "path");
        for (Path part : path) {
            if (part.toString().equals("..")) {
                throw new IllegalArgumentException(what + "'s path may not contain \"..\" but it was " + path);
            }
        }
        if (path.getFileName() == null) {
            throw new IllegalArgumentException(what + "'s path names a file, but it was " + path);
        }
        return path.toAbsolutePath();
    }

    /** Fails, naming the JVM flag, when Agrona cannot reach {@code jdk.internal.misc.Unsafe}. */
    static void requireAgrona() {
        try {
            new UnsafeBuffer(new byte[8]).getLong(0);
        } catch (IllegalAccessError | ExceptionInInitializerError | NoClassDefFoundError e) {
            throw new IllegalStateException("shared memory needs the JVM flag"
                    + " --add-exports java.base/jdk.internal.misc=ALL-UNNAMED (Agrona 2 uses jdk.internal.misc.Unsafe)", e);
        }
    }

    /** What the object is, for errors: {@code "shared ring"}. */
    final String kind;
    final String path;
    final int fd;
    /** Whether this opening created the file (and so may remove it). */
    final boolean created;

    private SegmentFile(String kind, String path, int fd, boolean created) {
        this.kind = kind;
        this.path = path;
        this.fd = fd;
        this.created = created;
    }

    /**
     * Opens {@code path} read-write without following a symbolic link, creating it
     * ({@code O_EXCL}, then {@code fchmod} to exactly {@code mode}) when {@code creation} allows
     * and it does not exist. A file that vanishes between a refused create and the open is tried
     * again a few times.
     */
    static SegmentFile open(String kind, Path path, Creation creation, int mode) {
        String p = path.toString();
        int access = Native.O_RDWR | Native.O_NOFOLLOW | Native.O_CLOEXEC;
        for (int attempt = 0; ; attempt++) {
            if (creation != Creation.OPEN_EXISTING) {
                int fd = Native.libc().open(p, access | Native.O_CREAT | Native.O_EXCL, mode);
                if (fd >= 0) {
                    SegmentFile file = new SegmentFile(kind, p, fd, true);
                    if (FileLibC.get().fchmod(fd, mode) < 0) {
                        IpcException e = IpcException.fromErrno("fchmod", p + ", 0" + Integer.toOctalString(mode),
                                Native.errno());
                        file.abandon(e);
                        throw e;
                    }
                    return file;
                }
                int errno = Native.errno();
                if (errno != Errno.EEXIST || creation == Creation.CREATE_NEW) {
                    throw openFailure(kind, p, "O_RDWR|O_CREAT|O_EXCL|O_NOFOLLOW", errno);
                }
            }
            int fd = Native.libc().open(p, access, 0);
            if (fd >= 0) {
                return new SegmentFile(kind, p, fd, false);
            }
            int errno = Native.errno();
            if (errno != Errno.ENOENT || creation == Creation.OPEN_EXISTING || attempt == 3) {
                throw openFailure(kind, p, "O_RDWR|O_NOFOLLOW", errno);
            }
        }
    }

    /**
     * The size of an attached file, checked to be a regular file of at least {@code minimum}
     * bytes; a shorter one is still being made ({@link NotReadyException}).
     */
    long attachedSize(long minimum) {
        ByteBuffer stx = Native.statx(fd, path, FileLibC.STATX_TYPE | FileLibC.STATX_SIZE_FIELD);
        int type = Native.fileType(stx);
        if (type != FileLibC.S_IFREG) {
            throw new IllegalStateException(path + " is not a regular file (mode 0" + Integer.toOctalString(type)
                    + "): not a " + kind);
        }
        long size = stx.getLong(FileLibC.STATX_SIZE_OFFSET);
        if (size < minimum) {
            throw new NotReadyException(kind, path, "its size is " + size + " bytes");
        }
        return size;
    }

    /** Gives a created file its size; its bytes start as zeroes. */
    void truncate(long size) {
        if (ShmLibC.get().ftruncate(fd, size) < 0) {
            throw IpcException.fromErrno("ftruncate", path + ", " + size + " bytes", Native.errno());
        }
    }

    /**
     * Checks the common start of a header: the ready flag (else {@link NotReadyException}), the
     * magic and the version.
     */
    void checkHeader(UnsafeBuffer header, long magic, int version) {
        if (header.getIntAcquire(READY_OFFSET) != 1) {
            long found = header.getLong(MAGIC_OFFSET);
            if (found != 0 && found != magic) {
                throw notThisKind(found, magic);
            }
            throw new NotReadyException(kind, path, "its ready flag is 0");
        }
        long found = header.getLong(MAGIC_OFFSET);
        if (found != magic) {
            throw notThisKind(found, magic);
        }
        int v = header.getInt(VERSION_OFFSET);
        if (v != version) {
            throw new IllegalStateException(kind + " " + path + " has layout version " + v
                    + " but this Interflux speaks version " + version);
        }
    }

    /** Writes the magic and version; the creator stores the ready flag with {@link #markReady} last. */
    static void writeStart(UnsafeBuffer header, long magic, int version) {
        header.putLong(MAGIC_OFFSET, magic);
        header.putInt(VERSION_OFFSET, version);
    }

    static void markReady(UnsafeBuffer header) {
        header.putIntRelease(READY_OFFSET, 1);
    }

    private IllegalStateException notThisKind(long found, long magic) {
        byte[] text = new byte[8];
        for (int i = 0; i < 8; i++) {
            text[i] = (byte) (magic >>> (8 * i));
        }
        return new IllegalStateException(path + " is not an Interflux " + kind + ": its first 8 bytes are 0x"
                + Long.toHexString(found) + ", a " + kind + "'s are 0x" + Long.toHexString(magic) + " (\""
                + new String(text, java.nio.charset.StandardCharsets.US_ASCII) + "\")");
    }

    /** Maps {@code size} bytes of the file shared, read-write. */
    long map(long size) {
        jnr.ffi.Pointer mapped = ShmLibC.get().mmap(null, size, ShmLibC.PROT_READ | ShmLibC.PROT_WRITE,
                ShmLibC.MAP_SHARED, fd, 0);
        long address = mapped == null ? ShmLibC.MAP_FAILED : mapped.address();
        if (address == ShmLibC.MAP_FAILED) {
            throw IpcException.fromErrno("mmap", path + ", " + size + " bytes", Native.errno());
        }
        return address;
    }

    /**
     * After a failed opening: closes the file and, when this opening created it, removes it and
     * the companions it made ({@code alsoRemove}). A failure of the clean-up is added to {@code e}.
     */
    void abandon(Throwable e, String... alsoRemove) {
        try {
            close(true, alsoRemove);
        } catch (RuntimeException | Error cleanup) {
            e.addSuppressed(cleanup);
        }
    }

    /** Closes the file (dropping this opening's OFD locks) and, when asked and created here, removes it. */
    void close(boolean remove, String... alsoRemove) {
        Native.libc().close(fd);
        if (remove && created) {
            FileLibC.get().unlink(path);
            for (String p : alsoRemove) {
                FileLibC.get().unlink(p);
            }
        }
    }

    /**
     * Removes the file, which {@link #leave} said is this opening's to remove (it holds the
     * presence write lock until the close that follows), then closes it.
     */
    void removeAndClose() {
        FileLibC.get().unlink(path);
        Native.libc().close(fd);
    }

    private static IpcException openFailure(String kind, String p, String flags, int errno) {
        String detail;
        switch (errno) {
            case Errno.ENOENT:
                detail = "no such " + kind;
                break;
            case Errno.ELOOP:
                detail = "the path is a symbolic link, which a " + kind + " never follows";
                break;
            case Errno.EACCES:
                detail = "the file's mode does not let this user read and write it";
                break;
            default:
                detail = null;
        }
        return new IpcException("open", p + ", " + flags, errno, detail);
    }

    // ---- open-file-description locks: who is alive, who holds a permit ----------------------

    /**
     * Counts this opening as present (a read lock on {@link #PRESENCE_OFFSET}) until it leaves or
     * closes. A file being removed right now, or removed already, is not ready: the opening
     * retries, and then finds the path free or a new object on it.
     */
    void attend() {
        if (lock(ShmLibC.F_RDLCK, PRESENCE_OFFSET) != 0) {
            throw new NotReadyException(kind, path, "it is being removed");
        }
        if (!linked()) {
            throw new NotReadyException(kind, path, "it was removed");
        }
    }

    /**
     * Leaves: whether this opening is to remove the object now. It is, when removal is wanted
     * ({@code remove}: this creator's dispose; or pending, left by a creator that disposed before)
     * and no other opening is left; it then holds the write lock on the presence byte until it
     * closes, so openings that arrive meanwhile retry. A creator that finds others still open
     * marks the removal pending in the header instead, for the last of them.
     */
    boolean leave(UnsafeBuffer header, boolean remove) {
        lock(ShmLibC.F_UNLCK, PRESENCE_OFFSET);
        boolean wanted = remove || header.getIntVolatile(REMOVE_PENDING_OFFSET) == 1;
        if (!wanted) {
            return false;
        }
        if (tryLock(PRESENCE_OFFSET)) {
            return linked();
        }
        if (remove) {
            header.putIntVolatile(REMOVE_PENDING_OFFSET, 1);
            // the last other opening may have left between the try above and the flag: look again
            return tryLock(PRESENCE_OFFSET) && linked();
        }
        return false;
    }

    /** Whether the open file is still the one at {@link #path} (not unlinked, not replaced). */
    private boolean linked() {
        ByteBuffer own = Native.statx(fd, path, FileLibC.STATX_NLINK | FileLibC.STATX_INO);
        if (own.getInt(FileLibC.STATX_NLINK_OFFSET) == 0) {
            return false;
        }
        ByteBuffer there = ByteBuffer.allocateDirect(FileLibC.STATX_SIZE).order(java.nio.ByteOrder.nativeOrder());
        if (FileLibC.get().statx(FileLibC.AT_FDCWD, path, FileLibC.AT_SYMLINK_NOFOLLOW, FileLibC.STATX_INO,
                Native.address(there)) < 0) {
            return false;
        }
        return there.getLong(FileLibC.STATX_INO_OFFSET) == own.getLong(FileLibC.STATX_INO_OFFSET);
    }


    /** Takes the write lock on byte {@code offset}: {@code false} when another open file holds it. */
    boolean tryLock(long offset) {
        return lock(ShmLibC.F_WRLCK, offset) == 0;
    }

    void unlock(long offset) {
        lock(ShmLibC.F_UNLCK, offset);
    }

    /** Whether another open file (another process, or another opening in this one) holds the lock on {@code offset}. */
    boolean lockedElsewhere(long offset) {
        ByteBuffer f = flock(ShmLibC.F_WRLCK, offset);
        if (ShmLibC.get().fcntl(fd, ShmLibC.F_OFD_GETLK, Native.address(f)) < 0) {
            throw IpcException.fromErrno("fcntl(F_OFD_GETLK)", kind + " " + path, Native.errno());
        }
        return f.getShort(ShmLibC.FLOCK_TYPE) != ShmLibC.F_UNLCK;
    }

    private int lock(short type, long offset) {
        ByteBuffer f = flock(type, offset);
        if (ShmLibC.get().fcntl(fd, ShmLibC.F_OFD_SETLK, Native.address(f)) == 0) {
            return 0;
        }
        int errno = Native.errno();
        if (errno == Errno.EAGAIN || errno == Errno.EACCES) {
            return -1;
        }
        throw IpcException.fromErrno("fcntl(F_OFD_SETLK)", kind + " " + path, errno);
    }

    /** A {@code struct flock} per thread: a permit's acquire and release lock without allocating. */
    private static final ThreadLocal<ByteBuffer> FLOCK = ThreadLocal.withInitial(
            () -> ByteBuffer.allocateDirect(ShmLibC.FLOCK_SIZE).order(java.nio.ByteOrder.nativeOrder()));

    private static ByteBuffer flock(short type, long offset) {
        ByteBuffer f = FLOCK.get();
        f.putInt(ShmLibC.FLOCK_PID, 0);
        f.putShort(ShmLibC.FLOCK_TYPE, type);
        f.putShort(ShmLibC.FLOCK_WHENCE, (short) 0);
        f.putLong(ShmLibC.FLOCK_START, offset);
        f.putLong(ShmLibC.FLOCK_LEN, 1);
        return f;
    }
}
