package io.interflux.shm;

import io.interflux.Creation;
import io.interflux.IpcException;
import io.interflux.internal.Errno;
import io.interflux.internal.FileLibC;
import io.interflux.internal.Native;
import io.interflux.shm.internal.ShmLibC;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;

/**
 * A ring's segment mapped into this process, and its two doorbells: created or attached as the
 * spec says, checked against {@link RingDescriptor}, unmapped with {@code munmap} on {@link #close()}.
 */
final class Segment {

    /** The segment exists but its creator has not marked it ready yet: {@link SharedRingSpec#open()} retries. */
    static final class NotReadyException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String path;
        private final String state;

        NotReadyException(String path, String state) {
            super(path + ": " + state, null, false, false);
            this.path = path;
            this.state = state;
        }

        IllegalStateException timedOut(Duration waited) {
            return new IllegalStateException("shared ring " + path + " was not ready after " + waited.toMillis()
                    + " ms (" + state + "): its creator is still initialising it, or died doing so; remove "
                    + path + " if no process uses it");
        }
    }

    final String path;
    final String description;
    final boolean created;
    final int capacity;
    final Producers producers;
    final int fd;
    final int bellFd;
    final int spaceFd;
    final long address;
    final long size;
    /** The header page. */
    final UnsafeBuffer header;
    /** The records and Agrona's trailer. */
    final UnsafeBuffer ring;

    private Segment(String path, String description, boolean created, int capacity, Producers producers, int fd,
                    int bellFd, int spaceFd, long address, long size) {
        this.path = path;
        this.description = description;
        this.created = created;
        this.capacity = capacity;
        this.producers = producers;
        this.fd = fd;
        this.bellFd = bellFd;
        this.spaceFd = spaceFd;
        this.address = address;
        this.size = size;
        this.header = new UnsafeBuffer(address, RingDescriptor.HEADER_LENGTH);
        this.ring = new UnsafeBuffer(address + RingDescriptor.HEADER_LENGTH, capacity + RingDescriptor.TRAILER_LENGTH);
    }

    static String bellPath(String path) {
        return path + ".bell";
    }

    static String spacePath(String path) {
        return path + ".space";
    }

    static Segment open(SharedRingSpec spec, String description) {
        String p = spec.path.toString();
        int access = Native.O_RDWR | Native.O_NOFOLLOW | Native.O_CLOEXEC;
        int fd = -1;
        boolean created = false;
        for (int attempt = 0; fd < 0; attempt++) {
            if (spec.creation != Creation.OPEN_EXISTING) {
                fd = Native.libc().open(p, access | Native.O_CREAT | Native.O_EXCL, spec.mode);
                if (fd >= 0) {
                    created = true;
                    break;
                }
                int errno = Native.errno();
                if (errno != Errno.EEXIST || spec.creation == Creation.CREATE_NEW) {
                    throw openFailure(p, "O_RDWR|O_CREAT|O_EXCL|O_NOFOLLOW", errno);
                }
            }
            fd = Native.libc().open(p, access, 0);
            if (fd < 0) {
                int errno = Native.errno();
                if (errno != Errno.ENOENT || spec.creation == Creation.OPEN_EXISTING || attempt == 3) {
                    throw openFailure(p, "O_RDWR|O_NOFOLLOW", errno);
                }
            }
        }
        try {
            return created ? initialise(spec, p, description, fd) : attach(spec, p, description, fd);
        } catch (RuntimeException | Error e) {
            // an Error too (a binding that failed to load): what this opening made must not stay behind
            try {
                Native.libc().close(fd);
                if (created) {
                    FileLibC.get().unlink(p);
                    FileLibC.get().unlink(bellPath(p));
                    FileLibC.get().unlink(spacePath(p));
                }
            } catch (RuntimeException | Error cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private static Segment initialise(SharedRingSpec spec, String p, String description, int fd) {
        ShmLibC shm = ShmLibC.get();
        if (FileLibC.get().fchmod(fd, spec.mode) < 0) {
            throw IpcException.fromErrno("fchmod", p + ", 0" + Integer.toOctalString(spec.mode), Native.errno());
        }
        int capacity = spec.capacity == 0 ? SharedRingSpec.DEFAULT_CAPACITY : spec.capacity;
        Producers producers = spec.producers == null ? Producers.MANY : spec.producers;
        makeBell(bellPath(p), spec.mode);
        makeBell(spacePath(p), spec.mode);
        long size = RingDescriptor.segmentSize(capacity);
        if (shm.ftruncate(fd, size) < 0) {
            throw IpcException.fromErrno("ftruncate", p + ", " + size + " bytes", Native.errno());
        }
        return mapped(spec, p, description, true, capacity, producers, fd, size);
    }

    private static Segment attach(SharedRingSpec spec, String p, String description, int fd) {
        ShmLibC shm = ShmLibC.get();
        ByteBuffer stx = Native.statx(fd, p, FileLibC.STATX_TYPE | FileLibC.STATX_SIZE_FIELD);
        int type = Native.fileType(stx);
        if (type != FileLibC.S_IFREG) {
            throw new IllegalStateException(p + " is not a regular file (mode 0" + Integer.toOctalString(type)
                    + "): not a shared ring");
        }
        long size = stx.getLong(FileLibC.STATX_SIZE_OFFSET);
        if (size < RingDescriptor.HEADER_LENGTH) {
            throw new NotReadyException(p, "its size is " + size + " bytes");
        }
        long headerAddress = map(p, fd, RingDescriptor.HEADER_LENGTH);
        int capacity;
        Producers producers;
        try {
            UnsafeBuffer h = new UnsafeBuffer(headerAddress, RingDescriptor.HEADER_LENGTH);
            if (h.getIntAcquire(RingDescriptor.READY_OFFSET) != 1) {
                long magic = h.getLong(RingDescriptor.MAGIC_OFFSET);
                if (magic != 0 && magic != RingDescriptor.MAGIC) {
                    throw notARing(p, magic);
                }
                throw new NotReadyException(p, "its ready flag is 0");
            }
            long magic = h.getLong(RingDescriptor.MAGIC_OFFSET);
            if (magic != RingDescriptor.MAGIC) {
                throw notARing(p, magic);
            }
            int version = h.getInt(RingDescriptor.VERSION_OFFSET);
            if (version != RingDescriptor.VERSION) {
                throw new IllegalStateException("shared ring " + p + " has layout version " + version
                        + " but this Interflux speaks version " + RingDescriptor.VERSION);
            }
            capacity = h.getInt(RingDescriptor.CAPACITY_OFFSET);
            int code = h.getInt(RingDescriptor.PRODUCERS_OFFSET);
            if (code != RingDescriptor.ONE_PRODUCER && code != RingDescriptor.MANY_PRODUCERS) {
                throw new IllegalStateException("shared ring " + p + " has producers code " + code
                        + ", which is neither " + RingDescriptor.ONE_PRODUCER + " (one) nor "
                        + RingDescriptor.MANY_PRODUCERS + " (many)");
            }
            producers = code == RingDescriptor.ONE_PRODUCER ? Producers.ONE : Producers.MANY;
            if (spec.capacity != 0 && spec.capacity != capacity) {
                throw new IllegalStateException("shared ring " + p + " exists with capacity " + capacity
                        + " bytes but the spec asks for " + spec.capacity + " bytes");
            }
            if (spec.producers != null && spec.producers != producers) {
                throw new IllegalStateException("shared ring " + p + " exists for producers " + producers
                        + " but the spec asks for producers " + spec.producers);
            }
            long expected = RingDescriptor.segmentSize(capacity);
            if (size != expected) {
                throw new IllegalStateException("shared ring " + p + " is " + size + " bytes but its header says "
                        + "capacity " + capacity + ", which takes " + expected + " bytes");
            }
        } finally {
            shm.munmap(headerAddress, RingDescriptor.HEADER_LENGTH);
        }
        return mapped(spec, p, description, false, capacity, producers, fd, size);
    }

    /**
     * Maps the segment and opens its doorbells; the creator also makes the doorbells exactly as
     * private as asked (whatever the umask did to mkfifo) and writes the header, the ready flag
     * last. Unmaps and closes again when that fails.
     */
    private static Segment mapped(SharedRingSpec spec, String p, String description, boolean created, int capacity,
                                  Producers producers, int fd, long size) {
        long address = map(p, fd, size);
        int bell = -1;
        int space = -1;
        try {
            bell = openBell(bellPath(p));
            space = openBell(spacePath(p));
            if (created) {
                for (int i = 0; i < 2; i++) {
                    if (FileLibC.get().fchmod(i == 0 ? bell : space, spec.mode) < 0) {
                        throw IpcException.fromErrno("fchmod", (i == 0 ? bellPath(p) : spacePath(p)) + ", 0"
                                + Integer.toOctalString(spec.mode), Native.errno());
                    }
                }
                writeHeader(address, capacity, producers);
            }
            return new Segment(p, description, created, capacity, producers, fd, bell, space, address, size);
        } catch (RuntimeException e) {
            closeQuietly(bell);
            closeQuietly(space);
            ShmLibC.get().munmap(address, size);
            throw e;
        }
    }

    /** A fresh file is zero: the records, the trailer and every flag start at 0; the ready flag goes last. */
    private static void writeHeader(long address, int capacity, Producers producers) {
        UnsafeBuffer h = new UnsafeBuffer(address, RingDescriptor.HEADER_LENGTH);
        h.putLong(RingDescriptor.MAGIC_OFFSET, RingDescriptor.MAGIC);
        h.putInt(RingDescriptor.VERSION_OFFSET, RingDescriptor.VERSION);
        h.putInt(RingDescriptor.CAPACITY_OFFSET, capacity);
        h.putInt(RingDescriptor.PRODUCERS_OFFSET, RingDescriptor.producersCode(producers));
        h.putInt(RingDescriptor.HEADER_LENGTH_OFFSET, RingDescriptor.HEADER_LENGTH);
        h.putInt(RingDescriptor.MAX_PAYLOAD_OFFSET, RingDescriptor.maxPayload(capacity));
        h.putInt(RingDescriptor.CREATOR_PID_OFFSET, Native.libc().getpid());
        h.putIntRelease(RingDescriptor.READY_OFFSET, 1);
    }

    private static IllegalStateException notARing(String p, long magic) {
        return new IllegalStateException(p + " is not an Interflux shared ring: its first 8 bytes are 0x"
                + Long.toHexString(magic) + ", a ring's are 0x" + Long.toHexString(RingDescriptor.MAGIC) + " (\"IFXRING1\")");
    }

    private static void makeBell(String p, int mode) {
        if (FileLibC.get().mkfifo(p, mode) < 0) {
            int errno = Native.errno();
            if (errno != Errno.EEXIST) {
                throw IpcException.fromErrno("mkfifo", p + ", 0" + Integer.toOctalString(mode), errno);
            }
            // left behind by a creator that died: this opening created the segment, so the
            // doorbell is ours to make anew (unlink removes a symbolic link itself, never its target)
            if (FileLibC.get().unlink(p) < 0 || FileLibC.get().mkfifo(p, mode) < 0) {
                throw IpcException.fromErrno("mkfifo", p + ", 0" + Integer.toOctalString(mode), Native.errno());
            }
        }
    }

    private static int openBell(String p) {
        int fd = Native.libc().open(p, Native.O_RDWR | Native.O_NONBLOCK | Native.O_NOFOLLOW | Native.O_CLOEXEC, 0);
        if (fd < 0) {
            int errno = Native.errno();
            throw new IpcException("open", p + ", O_RDWR|O_NONBLOCK|O_NOFOLLOW", errno,
                    errno == Errno.ENOENT ? "the ring's doorbell is missing: the ring was removed, or is damaged" : null);
        }
        try {
            int type = Native.fileType(Native.statx(fd, p, FileLibC.STATX_TYPE));
            if (type != FileLibC.S_IFIFO) {
                throw new IllegalStateException(p + " is not a FIFO (mode 0" + Integer.toOctalString(type)
                        + "): not a shared ring's doorbell");
            }
            return fd;
        } catch (RuntimeException e) {
            Native.libc().close(fd);
            throw e;
        }
    }

    private static long map(String p, int fd, long size) {
        jnr.ffi.Pointer mapped = ShmLibC.get().mmap(null, size, ShmLibC.PROT_READ | ShmLibC.PROT_WRITE,
                ShmLibC.MAP_SHARED, fd, 0);
        long address = mapped == null ? ShmLibC.MAP_FAILED : mapped.address();
        if (address == ShmLibC.MAP_FAILED) {
            throw IpcException.fromErrno("mmap", p + ", " + size + " bytes", Native.errno());
        }
        return address;
    }

    private static IpcException openFailure(String p, String flags, int errno) {
        String detail;
        switch (errno) {
            case Errno.ENOENT:
                detail = "no such shared ring";
                break;
            case Errno.ELOOP:
                detail = "the path is a symbolic link, which a shared ring never follows";
                break;
            case Errno.EACCES:
                detail = "the segment's mode does not let this user read and write it";
                break;
            default:
                detail = null;
        }
        return new IpcException("open", p + ", " + flags, errno, detail);
    }

    private static void closeQuietly(int fd) {
        if (fd >= 0) {
            Native.libc().close(fd);
        }
    }

    // ---- open-file-description locks: who is alive --------------------------------------

    /** Takes the write lock on byte {@code offset}: {@code false} when another open file holds it. */
    boolean tryLock(int offset) {
        return lock(ShmLibC.F_OFD_SETLK, ShmLibC.F_WRLCK, offset) == 0;
    }

    void unlock(int offset) {
        lock(ShmLibC.F_OFD_SETLK, ShmLibC.F_UNLCK, offset);
    }

    /** Whether another open file (another process, or another opening in this one) holds the lock on {@code offset}. */
    boolean lockedElsewhere(int offset) {
        ByteBuffer f = flock(ShmLibC.F_WRLCK, offset);
        if (ShmLibC.get().fcntl(fd, ShmLibC.F_OFD_GETLK, Native.address(f)) < 0) {
            throw IpcException.fromErrno("fcntl(F_OFD_GETLK)", description, Native.errno());
        }
        return f.getShort(ShmLibC.FLOCK_TYPE) != ShmLibC.F_UNLCK;
    }

    private int lock(int cmd, short type, int offset) {
        ByteBuffer f = flock(type, offset);
        if (ShmLibC.get().fcntl(fd, cmd, Native.address(f)) == 0) {
            return 0;
        }
        int errno = Native.errno();
        if (errno == Errno.EAGAIN || errno == Errno.EACCES) {
            return -1;
        }
        throw IpcException.fromErrno("fcntl(F_OFD_SETLK)", description, errno);
    }

    private static ByteBuffer flock(short type, int offset) {
        ByteBuffer f = ByteBuffer.allocateDirect(ShmLibC.FLOCK_SIZE).order(ByteOrder.nativeOrder());
        f.putShort(ShmLibC.FLOCK_TYPE, type);
        f.putShort(ShmLibC.FLOCK_WHENCE, (short) 0);
        f.putLong(ShmLibC.FLOCK_START, offset);
        f.putLong(ShmLibC.FLOCK_LEN, 1);
        return f;
    }

    /** Unmaps, closes (dropping this opening's locks) and, when asked, removes what it created. */
    void close(boolean remove) {
        ShmLibC shm = ShmLibC.get();
        shm.munmap(address, size);
        Native.libc().close(bellFd);
        Native.libc().close(spaceFd);
        Native.libc().close(fd);
        if (remove && created) {
            FileLibC.get().unlink(path);
            FileLibC.get().unlink(bellPath(path));
            FileLibC.get().unlink(spacePath(path));
        }
    }
}
