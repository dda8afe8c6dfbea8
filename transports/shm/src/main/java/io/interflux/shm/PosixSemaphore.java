package io.interflux.shm;

import io.interflux.Creation;
import io.interflux.DisposedException;
import io.interflux.IpcException;
import io.interflux.IpcResource;
import io.interflux.internal.Errno;
import io.interflux.internal.FileLibC;
import io.interflux.internal.Names;
import io.interflux.internal.Native;
import io.interflux.internal.drain.BackoffReadiness;
import io.interflux.internal.drain.Lifecycle;
import io.interflux.shm.internal.SemLibC;
import jnr.ffi.Pointer;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.Logger;
import reactor.util.Loggers;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import java.util.function.Function;

/**
 * A POSIX named semaphore ({@code sem_open(3)}, the file {@code /dev/shm/sem.NAME}), for working
 * with C programs ({@code sem_wait}/{@code sem_post}) and Python ({@code posix_ipc.Semaphore}, or
 * {@code sem_open} through ctypes) that use one.
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
public final class PosixSemaphore implements IpcResource, Permit.Owner {

    private static final Logger LOG = Loggers.getLogger(PosixSemaphore.class);
    /** {@code NAME_MAX} less glibc's {@code "sem."} prefix. */
    private static final int NAME_MAX = 255 - 4;

    private final PosixSemaphoreSpec spec;
    private final String description;
    private final Pointer sem;
    private final boolean created;
    private final Lifecycle lifecycle;
    private final Scheduler timer;
    private final long maxDelayNanos;

    private PosixSemaphore(PosixSemaphoreSpec spec, Pointer sem, boolean created) {
        this.spec = spec;
        this.description = "POSIX semaphore " + spec.name;
        this.sem = sem;
        this.created = created;
        this.lifecycle = new Lifecycle(description, this::release);
        this.timer = spec.timer != null ? spec.timer : Schedulers.parallel();
        this.maxDelayNanos = spec.maxPollInterval.toNanos();
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
                    // sem_open applied the umask; the mode asked for is applied exactly
                    String file = "/dev/shm/sem." + spec.name.substring(1);
                    if (FileLibC.get().chmod(file, spec.mode) < 0) {
                        IpcException e = IpcException.fromErrno("chmod", file + ", 0" + Integer.toOctalString(spec.mode),
                                Native.errno());
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
        if (!lifecycle.enter()) {
            throw new DisposedException(description);
        }
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

    /**
     * A permit ({@code sem_trywait} succeeded), when subscribed; released with {@code sem_post}.
     * Waiting holds no thread: {@code sem_wait} would, so a waiting acquire tries again on the
     * spec's timer, at once a few times and then after a pause that doubles up to
     * {@link PosixSemaphoreSpec#maxPollInterval(java.time.Duration)}. A cancel while waiting takes
     * effect at once and takes no permit. Fails with {@link DisposedException} once disposed.
     */
    public Mono<Permit> acquire() {
        return new PermitAcquire(description, lifecycle, this::tryTake,
                () -> new BackoffReadiness(timer, maxDelayNanos));
    }

    /** A permit if one is free right now ({@code sem_trywait}); never blocks. */
    public Optional<Permit> tryAcquire() {
        return Optional.ofNullable(tryTake());
    }

    /** Runs {@code work} holding a permit, given back when it completes, fails or is cancelled. */
    public <T> Flux<T> withPermit(Publisher<T> work) {
        return usingPermit(permit -> work);
    }

    /** {@link #withPermit(Publisher)} for work that needs the permit. */
    public <T> Flux<T> usingPermit(Function<? super Permit, ? extends Publisher<T>> work) {
        return Flux.usingWhen(acquire(), work, SharedSemaphore::giveBackLater,
                (p, e) -> SharedSemaphore.giveBackLater(p), SharedSemaphore::giveBackLater);
    }

    Permit tryTake() {
        if (!lifecycle.enter()) {
            throw new DisposedException(description);
        }
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
    public void giveBack(Permit permit) {
        try {
            if (SemLibC.get().sem_post(sem) < 0) {
                LOG.warn(description + ": sem_post failed: " + Native.errnoName(Native.errno()));
            }
        } finally {
            lifecycle.exit();
        }
    }

    @Override
    public String description() {
        return description;
    }

    /**
     * Ends waiting acquires (they fail with {@link DisposedException}) and, once this process has
     * given back every permit it holds, closes the semaphore and, when this opening created it
     * and the spec says so, unlinks it. Never blocks.
     */
    @Override
    public void dispose() {
        lifecycle.dispose();
    }

    @Override
    public boolean isDisposed() {
        return lifecycle.isDisposed();
    }

    @Override
    public Mono<Void> onDispose() {
        return lifecycle.onReleased();
    }

    private void release() {
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
