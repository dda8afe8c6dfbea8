package io.interflux.shm;

import io.interflux.Creation;
import io.interflux.IpcException;
import io.interflux.internal.Errno;
import io.interflux.internal.FileLibC;
import io.interflux.internal.Names;
import io.interflux.internal.Native;
import io.interflux.shm.internal.SemLibC;
import jnr.ffi.Pointer;
import reactor.util.Logger;
import reactor.util.Loggers;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A POSIX named semaphore ({@code sem_open(3)}, the file {@code /dev/shm/sem.NAME}), for working
 * with C programs ({@code sem_wait}/{@code sem_post}) and Python ({@code posix_ipc.Semaphore}, or
 * {@code sem_open} through ctypes) that use one.
 *
 * <p>Needs glibc 2.34 or later, where {@code sem_open} and its friends are in libc itself.
 *
 * <p><b>Not recoverable when a holder dies.</b> A POSIX semaphore is only a counter: a process
 * killed between {@code sem_wait} and {@code sem_post} takes its permit with it, for good, and
 * nothing tells the others. When every party is Interflux, prefer {@link SharedSemaphore}, which
 * the kernel repairs; use this one where the other side's choice is made.
 *
 * <pre>{@code
 * PosixSemaphore jobs = PosixSemaphore.named("/jobs").permits(3).openNow(Duration.ofSeconds(5));
 * jobs.withPermit(Mono.fromRunnable(() -> work())).blockLast();
 * jobs.dispose(); // sem_close; sem_unlink if this opening created it
 * }</pre>
 */
public final class PosixSemaphore extends AbstractSemaphore {

    private static final Logger LOG = Loggers.getLogger(PosixSemaphore.class);
    /** {@code NAME_MAX} less glibc's {@code "sem."} prefix. */
    private static final int NAME_MAX = 255 - 4;

    private final PosixSemaphoreSpec spec;
    private final Pointer sem;
    private final boolean created;

    private PosixSemaphore(PosixSemaphoreSpec spec, Pointer sem, boolean created) {
        super("POSIX semaphore " + spec.name, spec.timer, spec.maxPollInterval);
        this.spec = spec;
        this.sem = sem;
        this.created = created;
    }

    /** A spec for the POSIX named semaphore {@code name}: {@code "/jobs"}, the file {@code /dev/shm/sem.jobs}. */
    public static PosixSemaphoreSpec named(String name) {
        return new PosixSemaphoreSpec(Names.posix(name, NAME_MAX, "a POSIX semaphore"));
    }

    static PosixSemaphore open(PosixSemaphoreSpec spec) {
        SemLibC lib = SemLibC.get();
        for (int attempt = 0; ; attempt++) {
            if (spec.creation != Creation.OPEN_EXISTING) {
                Pointer p = lib.sem_open(spec.name, Native.O_CREAT | Native.O_EXCL, spec.mode, spec.permits);
                if (opened(p)) {
                    try {
                        exactMode(spec);
                    } catch (RuntimeException e) {
                        lib.sem_close(p);
                        lib.sem_unlink(spec.name);
                        throw e;
                    }
                    return new PosixSemaphore(spec, p, true);
                }
                int errno = Native.errno();
                if (errno != Errno.EEXIST || spec.creation == Creation.CREATE_NEW) {
                    throw IpcException.fromErrno("sem_open", spec.name + ", O_CREAT|O_EXCL, 0"
                            + Integer.toOctalString(spec.mode) + ", " + spec.permits, errno);
                }
            }
            Pointer p = lib.sem_open(spec.name, 0, 0, 0);
            if (opened(p)) {
                return new PosixSemaphore(spec, p, false);
            }
            int errno = Native.errno();
            if (errno != Errno.ENOENT || spec.creation == Creation.OPEN_EXISTING || attempt == 3) {
                throw IpcException.fromErrno("sem_open", spec.name, errno);
            }
        }
    }

    /**
     * sem_open applied the umask: the mode asked for is applied exactly, through a descriptor
     * opened without following a link. Until then a peer of another user that the umask shut
     * out is refused ({@code EACCES}) and should try again.
     */
    private static void exactMode(PosixSemaphoreSpec spec) {
        String file = "/dev/shm/sem." + spec.name.substring(1);
        int fd = Native.libc().open(file, Native.O_RDONLY | Native.O_NOFOLLOW | Native.O_CLOEXEC, 0);
        if (fd < 0) {
            throw IpcException.fromErrno("open", file + ", O_RDONLY|O_NOFOLLOW", Native.errno());
        }
        try {
            if (FileLibC.get().fchmod(fd, spec.mode) < 0) {
                throw IpcException.fromErrno("fchmod", file + ", 0" + Integer.toOctalString(spec.mode), Native.errno());
            }
        } finally {
            Native.libc().close(fd);
        }
    }

    /** {@code SEM_FAILED} is {@code (sem_t *) 0} in glibc. */
    private static boolean opened(Pointer p) {
        return p != null && p.address() != 0;
    }

    /** The name, {@code "/jobs"}. */
    public String name() {
        return spec.name;
    }

    /** Whether this opening created the semaphore (and so unlinks it on dispose, if the spec says so). */
    public boolean created() {
        return created;
    }

    /** The semaphore's value right now ({@code sem_getvalue}): how many permits are free. */
    public int available() {
        enter();
        try {
            ByteBuffer out = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
            if (SemLibC.get().sem_getvalue(sem, Native.address(out)) < 0) {
                throw IpcException.fromErrno("sem_getvalue", spec.name, Native.errno());
            }
            return out.getInt(0);
        } finally {
            lifecycle.exit();
        }
    }

    @Override
    Permit tryTake() {
        enter();
        if (SemLibC.get().sem_trywait(sem) == 0) {
            return new Permit(this, false, 0); // holds its use of the handle until given back
        }
        int errno = Native.errno();
        lifecycle.exit();
        if (errno == Errno.EAGAIN || errno == Errno.EINTR) {
            return null;
        }
        throw IpcException.fromErrno("sem_trywait", spec.name, errno);
    }

    @Override
    void giveBack(Permit permit) {
        try {
            if (SemLibC.get().sem_post(sem) < 0) {
                LOG.warn(description + ": sem_post failed: " + Native.errnoName(Native.errno()));
            }
        } finally {
            lifecycle.exit();
        }
    }

    @Override
    void release() {
        SemLibC.get().sem_close(sem);
        if (created && spec.removeOnDispose && SemLibC.get().sem_unlink(spec.name) < 0) {
            LOG.warn(description + ": sem_unlink failed: " + Native.errnoName(Native.errno()));
        }
    }

    @Override
    public String toString() {
        return "PosixSemaphore[" + spec.name + (isDisposed() ? ", disposed" : "") + "]";
    }
}
