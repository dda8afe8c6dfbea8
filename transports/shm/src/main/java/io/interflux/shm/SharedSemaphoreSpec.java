package io.interflux.shm;

import io.interflux.Creation;
import io.interflux.shm.internal.SemLibC;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * An immutable description of a shared semaphore (or lock) to open: where its file lives, how
 * many permits a created one has, whether it may be created, its mode, whether disposing
 * removes it, and how a wait for a permit polls. The file follows the ring's rules: created
 * exclusively with exactly the mode asked for, never reached through a symbolic link.
 *
 * <p>Each method returns a new spec; nothing touches the OS until {@link #open()} is subscribed.
 *
 * <pre>{@code
 * SharedSemaphore pool = SharedSemaphore.named("/pool").permits(3).openNow(Duration.ofSeconds(5));
 * SharedSemaphore lock = SharedSemaphore.lock("/inventory").openNow(Duration.ofSeconds(5));
 * }</pre>
 */
public final class SharedSemaphoreSpec {

    /** The mode a created file and semaphore set get unless {@link #mode(int)} says otherwise. */
    public static final int DEFAULT_MODE = 0600;
    /** The longest pause between two tries for a permit, unless {@link #maxPollInterval} says otherwise. */
    public static final Duration DEFAULT_MAX_POLL_INTERVAL = Duration.ofMillis(1);

    final String name;
    final Path path;
    final int permits;
    final Creation creation;
    final int mode;
    final boolean removeOnDispose;
    final Duration attachTimeout;
    final Duration maxPollInterval;
    final Scheduler timer;

    SharedSemaphoreSpec(String name, Path path, int permits) {
        this(name, path, permits, Creation.OPEN_OR_CREATE, DEFAULT_MODE, true, Duration.ofSeconds(5),
                DEFAULT_MAX_POLL_INTERVAL, null);
    }

    private SharedSemaphoreSpec(String name, Path path, int permits, Creation creation, int mode,
                                boolean removeOnDispose, Duration attachTimeout, Duration maxPollInterval,
                                Scheduler timer) {
        this.name = name;
        this.path = path;
        this.permits = permits;
        this.creation = creation;
        this.mode = mode;
        this.removeOnDispose = removeOnDispose;
        this.attachTimeout = attachTimeout;
        this.maxPollInterval = maxPollInterval;
        this.timer = timer;
    }

    /** The POSIX-style name ({@code "/pool"}), or {@code null} for a semaphore in a file of one's choosing. */
    public String name() {
        return name;
    }

    /** The semaphore's file: {@code /dev/shm/pool} for {@code "/pool"}. */
    public Path path() {
        return path;
    }

    /**
     * How many permits a semaphore this spec creates has, 1 to {@value SemLibC#SEMVMX} (System V's
     * {@code SEMVMX}); one (a lock) by default. When the semaphore exists already its count must
     * match, unless none was asked for.
     */
    public SharedSemaphoreSpec permits(int permits) {
        return new SharedSemaphoreSpec(name, path, validatePermits(permits), creation, mode, removeOnDispose,
                attachTimeout, maxPollInterval, timer);
    }

    static int validatePermits(int permits) {
        if (permits < 1 || permits > SemLibC.SEMVMX) {
            throw new IllegalArgumentException("permits must be from 1 to " + SemLibC.SEMVMX
                    + " (SEMVMX, the largest value of a System V semaphore) but it was " + permits);
        }
        return permits;
    }

    /** Whether opening may create the semaphore; {@link Creation#OPEN_OR_CREATE} by default. */
    public SharedSemaphoreSpec creation(Creation creation) {
        return new SharedSemaphoreSpec(name, path, permits, Objects.requireNonNull(creation, "creation"), mode,
                removeOnDispose, attachTimeout, maxPollInterval, timer);
    }

    /**
     * The permission bits of the file and the System V semaphore set this spec creates,
     * {@value #DEFAULT_MODE} (octal 0600) by default, applied exactly: the umask does not narrow them.
     */
    public SharedSemaphoreSpec mode(int mode) {
        if ((mode & ~0777) != 0) {
            throw new IllegalArgumentException("mode must be permission bits within 0777 but it was 0"
                    + Integer.toOctalString(mode));
        }
        return new SharedSemaphoreSpec(name, path, permits, creation, mode, removeOnDispose, attachTimeout,
                maxPollInterval, timer);
    }

    /**
     * Whether disposing removes the semaphore (its set with {@code IPC_RMID}, and its file), when
     * this opening created it; {@code true} by default. Removal waits until this process has given
     * back every permit it holds, and until every other opening, in any process, is disposed:
     * the last one out removes it (if the last one dies instead, what it held stays until a later
     * opening is disposed). So a lock is never removed under a process that
     * uses it, and no newcomer ever gets a fresh lock while others still hold the old one.
     * Otherwise a semaphore opened but not created is never removed.
     */
    public SharedSemaphoreSpec removeOnDispose(boolean remove) {
        return new SharedSemaphoreSpec(name, path, permits, creation, mode, remove, attachTimeout, maxPollInterval,
                timer);
    }

    /**
     * How long {@link #open()} waits for a semaphore another process is creating right now; 5 s
     * by default, retrying every 10 ms on a timer, holding no thread.
     */
    public SharedSemaphoreSpec attachTimeout(Duration timeout) {
        return new SharedSemaphoreSpec(name, path, permits, creation, mode, removeOnDispose,
                SegmentFile.positive(timeout, "attachTimeout", Duration.ofDays(1)), maxPollInterval, timer);
    }

    /**
     * The longest pause between two non-blocking tries while waiting for a permit,
     * {@link #DEFAULT_MAX_POLL_INTERVAL} by default: the most a permit given back after a long
     * wait can sit free before this waiter takes it, against one system call per interval while
     * waiting. See {@link SharedSemaphore#acquire()}.
     */
    public SharedSemaphoreSpec maxPollInterval(Duration interval) {
        return new SharedSemaphoreSpec(name, path, permits, creation, mode, removeOnDispose, attachTimeout,
                SegmentFile.positive(interval, "maxPollInterval", Duration.ofSeconds(1)), timer);
    }

    /** Where the tries of a waiting acquire run; {@link Schedulers#parallel()} by default. */
    public SharedSemaphoreSpec timer(Scheduler timer) {
        return new SharedSemaphoreSpec(name, path, permits, creation, mode, removeOnDispose, attachTimeout,
                maxPollInterval, Objects.requireNonNull(timer, "timer"));
    }

    /**
     * Opens (and, as the spec allows, creates) the semaphore when subscribed. Fails with an
     * {@link io.interflux.IpcException} naming the file or set and the errno, or with
     * {@link IllegalStateException} when the file holds something else, another permit count, or
     * names a set that no longer exists.
     */
    public Mono<SharedSemaphore> open() {
        return SegmentFile.opening(() -> SharedSemaphore.open(this), attachTimeout);
    }

    /**
     * {@link #open()}, blocking the calling thread for at most {@code timeout}: for {@code main}
     * methods and tests only. Never call it on an event-loop or other non-blocking thread.
     */
    public SharedSemaphore openNow(Duration timeout) {
        return open().block(timeout);
    }

    @Override
    public String toString() {
        return "SharedSemaphoreSpec[" + (name != null ? name : path) + ", " + (permits == 0 ? "" : permits + " permits, ")
                + creation + ", mode 0" + Integer.toOctalString(mode) + "]";
    }
}
