package io.interflux.benchmarks;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * The sync benchmark's raw baseline: one System V semaphore used as a lock the way a C program
 * would, with a blocking {@code semop} (no {@code IPC_NOWAIT}) of -1 and then +1, both with
 * {@code SEM_UNDO}, called from Java through jnr-ffi (the JDK has no binding of its own). The
 * thread sleeps in the kernel while another process holds the semaphore and the kernel hands it
 * over on release. Its own binding, independent of Interflux's.
 *
 * <p>The set is made with {@code IPC_PRIVATE}; another process attaches by its id.
 */
final class SysVSemaphore {

    /** The System V calls, straight from libc. */
    public interface LibC {
        int semget(int key, int nsems, int flags);

        int semop(int semid, long sops, long nsops);

        int semctl(int semid, int semnum, int cmd, long arg);
    }

    static final int IPC_PRIVATE = 0;
    static final int IPC_CREAT = 01000;
    static final int IPC_EXCL = 02000;
    static final int IPC_RMID = 0;
    static final int IPC_STAT = 2;
    static final int SETVAL = 16;
    static final int SEM_UNDO = 0x1000;
    static final int EINTR = 4;
    /** {@code struct semid_ds} on x86_64 and aarch64, and its {@code sem_nsems} field. */
    static final int SEMID_DS_SIZE = 104;
    static final int SEMID_DS_NSEMS = 80;

    private static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
    private static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

    private final int id;
    /** {@code struct sembuf {0, -1, SEM_UNDO}} and {@code {0, +1, SEM_UNDO}}: only read by the kernel, so shared by threads. */
    private final Pointer take;
    private final Pointer give;

    private SysVSemaphore(int id) {
        this.id = id;
        this.take = sembuf(-1);
        this.give = sembuf(1);
    }

    /** A new set of one semaphore at {@code value}, mode 0600. */
    static SysVSemaphore create(int value) {
        int id = LIBC.semget(IPC_PRIVATE, 1, IPC_CREAT | IPC_EXCL | 0600);
        if (id < 0) {
            throw new IllegalStateException("semget(IPC_PRIVATE, 1, 0600) failed: errno " + RUNTIME.getLastError());
        }
        if (LIBC.semctl(id, 0, SETVAL, value) < 0) {
            int errno = RUNTIME.getLastError();
            LIBC.semctl(id, 0, IPC_RMID, 0);
            throw new IllegalStateException("semctl(" + id + ", SETVAL, " + value + ") failed: errno " + errno);
        }
        return new SysVSemaphore(id);
    }

    /** The set {@code id} another process created. */
    static SysVSemaphore attach(int id) {
        return new SysVSemaphore(id);
    }

    int id() {
        return id;
    }

    /** Takes the semaphore, sleeping in the kernel until it is free. */
    void acquire() {
        semop(take, "-1");
    }

    /** Gives it back, waking a sleeper if there is one. */
    void release() {
        semop(give, "+1");
    }

    private void semop(Pointer op, String what) {
        while (LIBC.semop(id, op.address(), 1) < 0) {
            int errno = RUNTIME.getLastError();
            if (errno != EINTR) {
                throw new IllegalStateException("semop(" + id + ", " + what + ", SEM_UNDO) failed: errno " + errno);
            }
        }
    }

    /** Removes the set; whether it existed. */
    boolean remove() {
        return LIBC.semctl(id, 0, IPC_RMID, 0) == 0;
    }

    /**
     * Removes set {@code id} if it still exists with {@code nsems} semaphores (a file left by a
     * killed run names it; the count guards against removing a set that took over the id).
     */
    static boolean removeIf(int id, int nsems) {
        Pointer ds = Memory.allocateDirect(RUNTIME, SEMID_DS_SIZE);
        if (LIBC.semctl(id, 0, IPC_STAT, ds.address()) < 0 || ds.getLong(SEMID_DS_NSEMS) != nsems) {
            return false;
        }
        return LIBC.semctl(id, 0, IPC_RMID, 0) == 0;
    }

    private static Pointer sembuf(int delta) {
        Pointer p = Memory.allocateDirect(RUNTIME, 6);
        p.putShort(0, (short) 0);
        p.putShort(2, (short) delta);
        p.putShort(4, (short) SEM_UNDO);
        return p;
    }
}
