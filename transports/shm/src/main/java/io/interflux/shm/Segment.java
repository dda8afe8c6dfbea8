package io.interflux.shm;

import io.interflux.IpcException;
import io.interflux.internal.Errno;
import io.interflux.internal.FileLibC;
import io.interflux.internal.Native;
import io.interflux.shm.internal.ShmLibC;
import org.agrona.concurrent.UnsafeBuffer;


/**
 * A ring's segment ({@link SegmentFile}) mapped into this process, and its two doorbells: created or attached as the
 * spec says, checked against {@link RingDescriptor}, unmapped with {@code munmap} on {@link #close()}.
 */
final class Segment {

    final String path;
    final String description;
    final boolean created;
    final int capacity;
    final Producers producers;
    final SegmentFile file;
    final int bellFd;
    final int spaceFd;
    final long address;
    final long size;
    /** The header page. */
    final UnsafeBuffer header;
    /** The records and Agrona's trailer. */
    final UnsafeBuffer ring;

    private Segment(String description, int capacity, Producers producers, SegmentFile file,
                    int bellFd, int spaceFd, long address, long size) {
        this.path = file.path;
        this.description = description;
        this.created = file.created;
        this.capacity = capacity;
        this.producers = producers;
        this.file = file;
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
        SegmentFile file = SegmentFile.open(SharedRing.KIND, spec.path, spec.creation, spec.mode);
        try {
            return file.created ? initialise(spec, description, file) : attach(spec, description, file);
        } catch (RuntimeException | Error e) {
            // an Error too (a binding that failed to load): what this opening made must not stay behind
            file.abandon(e, bellPath(file.path), spacePath(file.path));
            throw e;
        }
    }

    private static Segment initialise(SharedRingSpec spec, String description, SegmentFile file) {
        int capacity = spec.capacity == 0 ? SharedRingSpec.DEFAULT_CAPACITY : spec.capacity;
        Producers producers = spec.producers == null ? Producers.MANY : spec.producers;
        makeBell(bellPath(file.path), spec.mode);
        makeBell(spacePath(file.path), spec.mode);
        long size = RingDescriptor.segmentSize(capacity);
        file.truncate(size);
        return mapped(spec, description, file, capacity, producers, size);
    }

    private static Segment attach(SharedRingSpec spec, String description, SegmentFile file) {
        String p = file.path;
        long size = file.attachedSize(RingDescriptor.HEADER_LENGTH);
        long headerAddress = file.map(RingDescriptor.HEADER_LENGTH);
        int capacity;
        Producers producers;
        try {
            UnsafeBuffer h = new UnsafeBuffer(headerAddress, RingDescriptor.HEADER_LENGTH);
            file.checkHeader(h, RingDescriptor.MAGIC, RingDescriptor.VERSION);
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
            ShmLibC.get().munmap(headerAddress, RingDescriptor.HEADER_LENGTH);
        }
        return mapped(spec, description, file, capacity, producers, size);
    }

    /**
     * Maps the segment and opens its doorbells; the creator also makes the doorbells exactly as
     * private as asked (whatever the umask did to mkfifo) and writes the header, the ready flag
     * last. Unmaps and closes again when that fails.
     */
    private static Segment mapped(SharedRingSpec spec, String description, SegmentFile file, int capacity,
                                  Producers producers, long size) {
        String p = file.path;
        long address = file.map(size);
        int bell = -1;
        int space = -1;
        try {
            bell = openBell(bellPath(p));
            space = openBell(spacePath(p));
            if (file.created) {
                for (int i = 0; i < 2; i++) {
                    if (FileLibC.get().fchmod(i == 0 ? bell : space, spec.mode) < 0) {
                        throw IpcException.fromErrno("fchmod", (i == 0 ? bellPath(p) : spacePath(p)) + ", 0"
                                + Integer.toOctalString(spec.mode), Native.errno());
                    }
                }
                writeHeader(address, capacity, producers);
            }
            return new Segment(description, capacity, producers, file, bell, space, address, size);
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
        SegmentFile.writeStart(h, RingDescriptor.MAGIC, RingDescriptor.VERSION);
        h.putInt(RingDescriptor.CAPACITY_OFFSET, capacity);
        h.putInt(RingDescriptor.PRODUCERS_OFFSET, RingDescriptor.producersCode(producers));
        h.putInt(RingDescriptor.HEADER_LENGTH_OFFSET, RingDescriptor.HEADER_LENGTH);
        h.putInt(RingDescriptor.MAX_PAYLOAD_OFFSET, RingDescriptor.maxPayload(capacity));
        h.putInt(RingDescriptor.CREATOR_PID_OFFSET, Native.libc().getpid());
        SegmentFile.markReady(h);
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

    private static void closeQuietly(int fd) {
        if (fd >= 0) {
            Native.libc().close(fd);
        }
    }

    // ---- open-file-description locks: who is alive --------------------------------------

    boolean tryLock(int offset) {
        return file.tryLock(offset);
    }

    void unlock(int offset) {
        file.unlock(offset);
    }

    boolean lockedElsewhere(int offset) {
        return file.lockedElsewhere(offset);
    }

    /** Unmaps, closes (dropping this opening's locks) and, when asked, removes what it created. */
    void close(boolean remove) {
        ShmLibC.get().munmap(address, size);
        Native.libc().close(bellFd);
        Native.libc().close(spaceFd);
        file.close(remove, bellPath(path), spacePath(path));
    }
}
