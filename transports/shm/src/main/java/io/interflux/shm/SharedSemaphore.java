package io.interflux.shm;

import io.interflux.IpcException;
import io.interflux.internal.Errno;
import io.interflux.internal.FileLibC;
import io.interflux.internal.Names;
import io.interflux.internal.Native;
import io.interflux.shm.internal.SemLibC;
import io.interflux.shm.internal.ShmLibC;
import org.agrona.concurrent.UnsafeBuffer;
import reactor.util.Logger;
import reactor.util.Loggers;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * A counting semaphore shared by name between processes, whose permits come back when their
 * holder dies, even by {@code SIGKILL}: a System V semaphore set taken and given back with
 * {@code SEM_UNDO}, so the kernel undoes what a dead process still held. A semaphore of one
 * permit is a lock ({@link #lock(String)}); its permits also tell whether the previous holder
 * died holding it ({@link Permit#previousHolderDied()}), so the new holder can repair what that
 * holder left half-done.
 *
 * <p>The name is a file ({@code /dev/shm/NAME}, or a path of one's choosing) laid out as
 * {@link SemaphoreDescriptor} describes, naming a set created with {@code IPC_PRIVATE}: no
 * {@code ftok} keys to collide, the ring's rules for creating and attaching, and the file and the
 * set are both created with mode 0600 by default and removed by their creator on dispose.
 *
 * <p>Why System V rather than POSIX semaphores or file locks: the kernel gives a dead process's
 * permits back ({@code SEM_UNDO}), which a POSIX semaphore never does ({@link PosixSemaphore}
 * says so); an OFD lock per permit would survive death too, but a wait for any of N permits
 * would cost N system calls. Waiting never holds a thread: a non-blocking {@code semop}
 * ({@code IPC_NOWAIT}) retried on a timer with a backoff ({@link #acquire()}).
 *
 * <p>Permits belong to the process, not to a thread or a subscription: any thread may give back
 * a permit another took, and a lock is not reentrant (a second acquire in the holding process
 * waits like any other).
 *
 * <pre>{@code
 * SharedSemaphore lock = SharedSemaphore.lock("/inventory").openNow(Duration.ofSeconds(5));
 * lock.withPermit(Mono.fromRunnable(() -> stock.getAndAdd(-1)))   // exclusive across processes
 *     .blockLast();
 * lock.dispose(); // removes the set and its file if this opening created them
 * }</pre>
 */
public final class SharedSemaphore extends AbstractSemaphore {

    private static final Logger LOG = Loggers.getLogger(SharedSemaphore.class);
    /** What a semaphore is called in errors. */
    static final String KIND = "shared semaphore";
    private static final int NAME_MAX = 255;
    /** Three {@code struct sembuf} per thread: taking and giving back allocate nothing. */
    private static final ThreadLocal<ByteBuffer> OPS = ThreadLocal.withInitial(
            () -> ByteBuffer.allocateDirect(3 * SemLibC.SEMBUF_SIZE).order(ByteOrder.nativeOrder()));

    private final SharedSemaphoreSpec spec;
    private final SegmentFile file;
    private final long address;
    private final UnsafeBuffer header;
    private final int semid;
    private final int permits;
    /** One permit: the holder count (semaphore 1) and holder pid are kept. */
    private final boolean lock;
    private final int pid;

    private SharedSemaphore(SharedSemaphoreSpec spec, SegmentFile file, long address, int semid, int permits) {
        super(KIND + " " + (spec.name != null ? spec.name : spec.path.toString()), spec.timer, spec.maxPollInterval);
        this.spec = spec;
        this.file = file;
        this.address = address;
        this.header = new UnsafeBuffer(address, SemaphoreDescriptor.LENGTH);
        this.semid = semid;
        this.permits = permits;
        this.lock = permits == 1;
        this.pid = Native.libc().getpid();
    }

    /**
     * A spec for the semaphore named {@code name}: {@code "/pool"}, its file {@code /dev/shm/pool}.
     * Give it {@link SharedSemaphoreSpec#permits(int)}; one permit by default.
     */
    public static SharedSemaphoreSpec named(String name) {
        Names.posix(name, NAME_MAX, "a shared semaphore");
        return new SharedSemaphoreSpec(name, Paths.get("/dev/shm", name.substring(1)), 0);
    }

    /** A spec for a lock named {@code name}: a semaphore of one permit. */
    public static SharedSemaphoreSpec lock(String name) {
        return named(name).permits(1);
    }

    /** A spec for a semaphore whose file is {@code path}. */
    public static SharedSemaphoreSpec file(Path path) {
        return new SharedSemaphoreSpec(null, SegmentFile.validatePath(path, "a shared semaphore"), 0);
    }

    static SharedSemaphore open(SharedSemaphoreSpec spec) {
        SegmentFile.requireAgrona();
        SegmentFile file = SegmentFile.open(KIND, spec.path, spec.creation, spec.mode);
        long address = 0;
        int semid = -1;
        try {
            file.attend();
            if (file.created) {
                int permits = spec.permits == 0 ? 1 : spec.permits;
                file.truncate(SemaphoreDescriptor.LENGTH);
                address = file.map(SemaphoreDescriptor.LENGTH);
                UnsafeBuffer h = new UnsafeBuffer(address, SemaphoreDescriptor.LENGTH);
                semid = createSet(file.path, h, permits, spec.mode);
                SegmentFile.writeStart(h, SemaphoreDescriptor.MAGIC, SemaphoreDescriptor.VERSION);
                h.putInt(SemaphoreDescriptor.PERMITS_OFFSET, permits);
                h.putInt(SemaphoreDescriptor.CREATOR_PID_OFFSET, Native.libc().getpid());
                SegmentFile.markReady(h);
                return new SharedSemaphore(spec, file, address, semid, permits);
            }
            file.attachedSize(SemaphoreDescriptor.LENGTH);
            address = file.map(SemaphoreDescriptor.LENGTH);
            UnsafeBuffer h = new UnsafeBuffer(address, SemaphoreDescriptor.LENGTH);
            file.checkHeader(h, SemaphoreDescriptor.MAGIC, SemaphoreDescriptor.VERSION);
            int permits = h.getInt(SemaphoreDescriptor.PERMITS_OFFSET);
            if (spec.permits != 0 && spec.permits != permits) {
                throw new IllegalStateException(KIND + " " + file.path + " exists with " + permits
                        + " permits but the spec asks for " + spec.permits);
            }
            int id = h.getInt(SemaphoreDescriptor.SEMID_OFFSET);
            checkSet(file, id);
            return new SharedSemaphore(spec, file, address, id, permits);
        } catch (RuntimeException | Error e) {
            if (semid >= 0) {
                SemLibC.get().semctl(semid, 0, SemLibC.IPC_RMID, 0);
            }
            if (address != 0) {
                ShmLibC.get().munmap(address, SemaphoreDescriptor.LENGTH);
            }
            file.abandon(e);
            throw e;
        }
    }

    /**
     * Makes the set and gives it its permits. Its id goes into the header at once, before the
     * ready flag: a creator killed before it marks the file ready leaves the id where
     * {@code ipcrm} can find it.
     */
    private static int createSet(String path, UnsafeBuffer header, int permits, int mode) {
        SemLibC sem = SemLibC.get();
        int id = sem.semget(SemLibC.IPC_PRIVATE, 2, SemLibC.IPC_CREAT | SemLibC.IPC_EXCL | mode);
        if (id < 0) {
            throw IpcException.fromErrno("semget", "IPC_PRIVATE, 2 semaphores, 0" + Integer.toOctalString(mode)
                    + ", for " + path, Native.errno());
        }
        header.putIntVolatile(SemaphoreDescriptor.SEMID_OFFSET, id);
        if (sem.semctl(id, SemaphoreDescriptor.FREE, SemLibC.SETVAL, permits) < 0) {
            int errno = Native.errno();
            sem.semctl(id, 0, SemLibC.IPC_RMID, 0);
            throw IpcException.fromErrno("semctl", "semaphore set " + id + " for " + path + ", SETVAL " + permits, errno);
        }
        return id;
    }

    /**
     * The set a file names must still exist, with exactly two semaphores, made by the file's
     * owner: a stale file (one that outlived a reboot) may name an id that another program's set
     * now has. Read with GETVAL, which needs no struct layout.
     */
    private static void checkSet(SegmentFile file, int id) {
        SemLibC sem = SemLibC.get();
        String path = file.path;
        if (sem.semctl(id, SemaphoreDescriptor.HELD, SemLibC.GETVAL, 0) < 0) {
            int errno = Native.errno();
            if (errno == Errno.EINVAL || errno == Errno.EIDRM) {
                throw new IllegalStateException(KIND + " " + path + " names semaphore set " + id
                        + ", which no longer exists (removed, or the system restarted): remove " + path
                        + " if no process uses it");
            }
            throw IpcException.fromErrno("semctl", "semaphore set " + id + " of " + path + ", GETVAL", errno);
        }
        boolean third = sem.semctl(id, 2, SemLibC.GETVAL, 0) >= 0;
        ByteBuffer ds = ByteBuffer.allocateDirect(SemLibC.SEMID_DS_SIZE).order(ByteOrder.nativeOrder());
        int creator = sem.semctl(id, 0, SemLibC.IPC_STAT, Native.address(ds)) == 0
                ? ds.getInt(SemLibC.SEMID_DS_CUID) : -1;
        int owner = Native.statx(file.fd, path, FileLibC.STATX_UID).getInt(FileLibC.STATX_UID_OFFSET);
        if (third || creator != owner) {
            throw new IllegalStateException(KIND + " " + path + " names semaphore set " + id + ", which "
                    + (third ? "has more than 2 semaphores" : "was made by uid " + creator + ", not the file's owner "
                    + owner) + ": another program's set took its id; remove " + path);
        }
    }

    /** The name, {@code "/pool"}, or {@code null} for a semaphore in a file of one's choosing. */
    public String name() {
        return spec.name;
    }

    /** The semaphore's file. */
    public Path path() {
        return spec.path;
    }

    /** Whether this opening created the semaphore (and so removes it on dispose, if the spec says so). */
    public boolean created() {
        return file.created;
    }

    /** How many permits the semaphore has in all. */
    public int permits() {
        return permits;
    }

    /** The System V semaphore set's id, as {@code ipcs -s} lists it. */
    public int id() {
        return semid;
    }

    /** How many permits are free right now, in all processes: a snapshot, for monitoring. */
    public int available() {
        enter();
        try {
            int v = SemLibC.get().semctl(semid, SemaphoreDescriptor.FREE, SemLibC.GETVAL, 0);
            if (v < 0) {
                throw failure("GETVAL", Native.errno());
            }
            return v;
        } finally {
            lifecycle.exit();
        }
    }

    /**
     * A lock tries first to take the permit while the holder count is 0 (no dead holder behind
     * it), raising it to 1: one {@code semop}. When that is refused it tries once more without
     * the test: refused again, the lock is held; taken, a holder died with it (the count it left
     * is then read and cleared). A semaphore of several permits takes one with a single op.
     */
    @Override
    Permit tryTake() {
        enter();
        boolean taken = false;
        try {
            SemLibC sem = SemLibC.get();
            ByteBuffer ops = OPS.get();
            long at = Native.address(ops);
            op(ops, 0, SemaphoreDescriptor.FREE, -1, SemLibC.IPC_NOWAIT | SemLibC.SEM_UNDO);
            if (!lock) {
                taken = semop(sem, at, 1);
                return taken ? new Permit(this, false, 0) : null;
            }
            op(ops, 1, SemaphoreDescriptor.HELD, 0, SemLibC.IPC_NOWAIT);
            op(ops, 2, SemaphoreDescriptor.HELD, 1, SemLibC.IPC_NOWAIT);
            if (semop(sem, at, 3)) {
                taken = true;
                header.putIntVolatile(SemaphoreDescriptor.HOLDER_PID_OFFSET, pid);
                return new Permit(this, false, 0);
            }
            op(ops, 1, SemaphoreDescriptor.HELD, 1, SemLibC.IPC_NOWAIT);
            if (!semop(sem, at, 2)) {
                return null;
            }
            taken = true;
            // this process alone holds the lock: a holder count above 1 is what dead holders left
            int held = sem.semctl(semid, SemaphoreDescriptor.HELD, SemLibC.GETVAL, 0);
            int previous = header.getIntVolatile(SemaphoreDescriptor.HOLDER_PID_OFFSET);
            boolean died = held > 1;
            if (died) {
                op(ops, 0, SemaphoreDescriptor.HELD, -(held - 1), SemLibC.IPC_NOWAIT);
                if (sem.semop(semid, at, 1) < 0) {
                    LOG.warn(description + ": could not clear the count a dead holder left: "
                            + Native.errnoName(Native.errno()));
                }
                LOG.warn(description + ": its previous holder" + (previous != 0 ? ", pid " + previous + "," : "")
                        + " died holding it; the kernel gave it back");
            }
            header.putIntVolatile(SemaphoreDescriptor.HOLDER_PID_OFFSET, pid);
            return new Permit(this, died, died ? previous : 0);
        } finally {
            if (!taken) {
                lifecycle.exit();
            }
        }
    }

    /** One non-blocking {@code semop} of {@code n} ops: {@code false} when it would wait. */
    private boolean semop(SemLibC sem, long ops, int n) {
        if (sem.semop(semid, ops, n) == 0) {
            return true;
        }
        int errno = Native.errno();
        if (errno == Errno.EAGAIN || errno == Errno.EINTR) {
            return false;
        }
        throw failure("taking a permit", errno);
    }

    /** Gives a permit back ({@code semop} +1 with {@code IPC_NOWAIT}, which never waits) and drops its use. */
    @Override
    void giveBack(Permit permit) {
        try {
            SemLibC sem = SemLibC.get();
            ByteBuffer ops = OPS.get();
            int n = 0;
            if (lock) {
                header.putIntVolatile(SemaphoreDescriptor.HOLDER_PID_OFFSET, 0);
                op(ops, n++, SemaphoreDescriptor.HELD, -1, SemLibC.IPC_NOWAIT);
            }
            op(ops, n++, SemaphoreDescriptor.FREE, 1, SemLibC.IPC_NOWAIT | SemLibC.SEM_UNDO);
            if (sem.semop(semid, Native.address(ops), n) < 0) {
                int errno = Native.errno();
                if (errno == Errno.EAGAIN && lock) {
                    // the holder count was reset under us (by a foreign program): the permit still goes back
                    op(ops, 0, SemaphoreDescriptor.FREE, 1, SemLibC.IPC_NOWAIT | SemLibC.SEM_UNDO);
                    if (sem.semop(semid, Native.address(ops), 1) == 0) {
                        return;
                    }
                    errno = Native.errno();
                }
                if (errno == Errno.EINVAL || errno == Errno.EIDRM) {
                    // Interflux removes a set only once no opening is left: another program removed it
                    LOG.warn(description + ": set " + semid + " was removed while this process held a permit"
                            + " (by a program other than Interflux): others may have taken it meanwhile");
                } else {
                    LOG.warn(description + ": giving a permit back failed: " + Native.errnoName(errno));
                }
            }
        } finally {
            lifecycle.exit();
        }
    }

    private static void op(ByteBuffer ops, int i, int semaphore, int delta, int flags) {
        int at = i * SemLibC.SEMBUF_SIZE;
        ops.putShort(at, (short) semaphore);
        ops.putShort(at + 2, (short) delta);
        ops.putShort(at + 4, (short) flags);
    }

    private IpcException failure(String what, int errno) {
        String detail = errno == Errno.EINVAL || errno == Errno.EIDRM
                ? "the semaphore was removed (by ipcrm, or a program other than Interflux)" : null;
        return new IpcException("semop", description + ", set " + semid + ", " + what, errno, detail);
    }

    /**
     * Removes the set and the file when this opening created them and the spec says so, or when
     * such a removal is pending, and no other opening is left ({@link SegmentFile#leave}); else
     * just unmaps and closes.
     */
    @Override
    void release() {
        boolean remove = file.leave(header, file.created && spec.removeOnDispose);
        if (remove && SemLibC.get().semctl(semid, 0, SemLibC.IPC_RMID, 0) < 0) {
            int errno = Native.errno();
            if (errno != Errno.EINVAL && errno != Errno.EIDRM) { // else another program removed it already
                LOG.warn(description + ": IPC_RMID of set " + semid + " failed: " + Native.errnoName(errno));
            }
        }
        ShmLibC.get().munmap(address, SemaphoreDescriptor.LENGTH);
        if (remove) {
            file.removeAndClose();
        } else {
            file.close(false);
        }
    }

    @Override
    public String toString() {
        return "SharedSemaphore[" + (spec.name != null ? spec.name : spec.path) + ", " + permits + " permits, set "
                + semid + (isDisposed() ? ", disposed" : "") + "]";
    }
}
