package io.interflux.shm.internal;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;

/**
 * The libc entry points of semaphores: System V ({@code semget}, {@code semop}, {@code semctl})
 * and POSIX named ({@code sem_open} and friends, in libc since glibc 2.34).
 *
 * <p>Bound through jnr-ffi into the same runtime as core's binding, so
 * {@link io.interflux.internal.Native#errno()} reads the errno these calls leave behind. Only the
 * non-blocking forms are used: {@code semop} always with {@code IPC_NOWAIT}, {@code sem_trywait}.
 */
public interface SemLibC {

    int IPC_PRIVATE = 0;
    int IPC_CREAT = 01000;
    int IPC_EXCL = 02000;
    int IPC_NOWAIT = 04000;
    int IPC_RMID = 0;
    int IPC_STAT = 2;
    int SEM_UNDO = 0x1000;
    int GETVAL = 12;
    int SETVAL = 16;
    /** The largest value of a System V semaphore ({@code SEMVMX}, {@code <linux/sem.h>}). */
    int SEMVMX = 32767;

    /** {@code struct sembuf}: sem_num (u16), sem_op (s16), sem_flg (s16). */
    int SEMBUF_SIZE = 6;
    /**
     * Room for {@code struct semid_ds} of any Linux layout (104 bytes on x86_64, 88 on aarch64);
     * only its leading {@code struct ipc_perm} is read, which starts the same on both: the
     * creator's uid at 12, the mode (its low 16 bits) at 20.
     */
    int SEMID_DS_SIZE = 256;
    int SEMID_DS_CUID = 12;
    int SEMID_DS_MODE = 20;

    int semget(int key, int nsems, int flags);

    int semop(int semid, long sops, long nsops);

    /** {@code int semctl(int semid, int semnum, int cmd, ...)}: the fourth argument is an int value or a pointer. */
    int semctl(int semid, int semnum, int cmd, long arg);

    /** {@code sem_t *sem_open(const char *name, int oflag, mode_t mode, unsigned int value)}: {@code null} on failure. */
    Pointer sem_open(String name, int oflag, int mode, int value);

    int sem_trywait(Pointer sem);

    int sem_post(Pointer sem);

    int sem_getvalue(Pointer sem, long valueOut);

    int sem_close(Pointer sem);

    int sem_unlink(String name);

    /** The bound library. */
    static SemLibC get() {
        return Holder.LIBC;
    }

    /** Lazily bound, after core has checked the platform. */
    final class Holder {
        static final SemLibC LIBC;

        static {
            io.interflux.internal.Native.libc(); // refuses unsupported platforms first
            LIBC = LibraryLoader.create(SemLibC.class).load("c");
        }

        private Holder() {
        }
    }
}
