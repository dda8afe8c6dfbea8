package io.interflux.shm;

import io.interflux.Creation;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import java.time.Duration;
import java.util.Objects;

/**
 * An immutable description of a POSIX named semaphore to open ({@code sem_open(3)}): its name,
 * the value a created one starts with, whether it may be created, its mode, whether disposing
 * unlinks it, and how a wait for a permit polls.
 *
 * <p>Each method returns a new spec; nothing touches the OS until {@link #open()} is subscribed.
 *
 * <pre>{@code
 * PosixSemaphore jobs = PosixSemaphore.named("/jobs").permits(3).openNow(Duration.ofSeconds(5));
 * }</pre>
 */
public final class PosixSemaphoreSpec {

    /** The mode a created semaphore gets unless {@link #mode(int)} says otherwise. */
    public static final int DEFAULT_MODE = 0600;
    /** {@code SEM_VALUE_MAX} on Linux. */
    public static final int MAX_VALUE = Integer.MAX_VALUE;

    final String name;
    final int permits;
    final Creation creation;
    final int mode;
    final boolean removeOnDispose;
    final Duration maxPollInterval;
    final Scheduler timer;

    PosixSemaphoreSpec(String name) {
        this(name, 1, Creation.OPEN_OR_CREATE, DEFAULT_MODE, true, SharedSemaphoreSpec.DEFAULT_MAX_POLL_INTERVAL, null);
    }

    private PosixSemaphoreSpec(String name, int permits, Creation creation, int mode, boolean removeOnDispose,
                               Duration maxPollInterval, Scheduler timer) {
        this.name = name;
        this.permits = permits;
        this.creation = creation;
        this.mode = mode;
        this.removeOnDispose = removeOnDispose;
        this.maxPollInterval = maxPollInterval;
        this.timer = timer;
    }

    /** The name, {@code "/jobs"}: the file {@code /dev/shm/sem.jobs}. */
    public String name() {
        return name;
    }

    /**
     * The value a semaphore this spec creates starts with, 0 to {@value #MAX_VALUE}; 1 by default.
     * An existing semaphore keeps its value (POSIX does not record a count to compare with).
     */
    public PosixSemaphoreSpec permits(int permits) {
        if (permits < 0) {
            throw new IllegalArgumentException("permits must be from 0 to " + MAX_VALUE
                    + " (SEM_VALUE_MAX) but it was " + permits);
        }
        return new PosixSemaphoreSpec(name, permits, creation, mode, removeOnDispose, maxPollInterval, timer);
    }

    /** Whether opening may create the semaphore; {@link Creation#OPEN_OR_CREATE} by default. */
    public PosixSemaphoreSpec creation(Creation creation) {
        return new PosixSemaphoreSpec(name, permits, Objects.requireNonNull(creation, "creation"), mode,
                removeOnDispose, maxPollInterval, timer);
    }

    /**
     * The permission bits of a semaphore this spec creates, {@value #DEFAULT_MODE} (octal 0600)
     * by default, applied exactly: the umask does not narrow them.
     */
    public PosixSemaphoreSpec mode(int mode) {
        if ((mode & ~0777) != 0) {
            throw new IllegalArgumentException("mode must be permission bits within 0777 but it was 0"
                    + Integer.toOctalString(mode));
        }
        return new PosixSemaphoreSpec(name, permits, creation, mode, removeOnDispose, maxPollInterval, timer);
    }

    /**
     * Whether disposing unlinks ({@code sem_unlink}) the semaphore, when this opening created it;
     * {@code true} by default. Processes that have it open keep using it. A semaphore opened but
     * not created is never removed.
     */
    public PosixSemaphoreSpec removeOnDispose(boolean remove) {
        return new PosixSemaphoreSpec(name, permits, creation, mode, remove, maxPollInterval, timer);
    }

    /** The longest pause between two {@code sem_trywait} while waiting; 1 ms by default. See {@link PosixSemaphore#acquire()}. */
    public PosixSemaphoreSpec maxPollInterval(Duration interval) {
        return new PosixSemaphoreSpec(name, permits, creation, mode, removeOnDispose,
                SegmentFile.positive(interval, "maxPollInterval", Duration.ofSeconds(1)), timer);
    }

    /** Where the tries of a waiting acquire run; {@link reactor.core.scheduler.Schedulers#parallel()} by default. */
    public PosixSemaphoreSpec timer(Scheduler timer) {
        return new PosixSemaphoreSpec(name, permits, creation, mode, removeOnDispose, maxPollInterval,
                Objects.requireNonNull(timer, "timer"));
    }

    /**
     * Opens (and, as the spec allows, creates) the semaphore when subscribed. Fails with an
     * {@link io.interflux.IpcException} naming it and the errno.
     */
    public Mono<PosixSemaphore> open() {
        return Mono.fromCallable(() -> PosixSemaphore.open(this));
    }

    /**
     * {@link #open()}, blocking the calling thread for at most {@code timeout}: for {@code main}
     * methods and tests only. Never call it on an event-loop or other non-blocking thread.
     */
    public PosixSemaphore openNow(Duration timeout) {
        return open().block(timeout);
    }

    @Override
    public String toString() {
        return "PosixSemaphoreSpec[" + name + ", " + permits + " permits, " + creation + ", mode 0"
                + Integer.toOctalString(mode) + "]";
    }
}
