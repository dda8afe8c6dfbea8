package io.interflux.mqueue;

import io.interflux.MetricsRecorder;
import io.interflux.internal.metrics.Metering;
import io.interflux.Creation;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * An immutable description of a System V message queue to open: its key (from a path with
 * {@code ftok(3)}, a number, or private), whether it may be created, its mode, and whether
 * disposing removes it.
 *
 * <p>Each method returns a new spec; nothing touches the OS until {@link #open()} is subscribed.
 *
 * <pre>{@code
 * SysVQueue queue = SysVQueue.key(Path.of("/srv/app"), 'Q')
 *     .creation(Creation.OPEN_OR_CREATE)
 *     .open()
 *     .block();
 * }</pre>
 */
public final class SysVQueueSpec {

    /** The mode a created queue gets unless {@link #mode(int)} says otherwise: owner read/write. */
    public static final int DEFAULT_MODE = 0600;

    /** The longest pause between two tries of an empty or full queue, unless {@link #maxPollInterval} says otherwise. */
    public static final Duration DEFAULT_MAX_POLL_INTERVAL = Duration.ofMillis(1);

    final Path path;
    final int projectId;
    final int key;
    final boolean isPrivate;
    final int mode;
    final Creation creation;
    final boolean removeOnDispose;
    final Duration maxPollInterval;
    final Scheduler timer;
    final int maxMessageSize;
    final MetricsRecorder metrics;

    private SysVQueueSpec(Path path, int projectId, int key, boolean isPrivate, int mode, Creation creation,
                          boolean removeOnDispose, Duration maxPollInterval, Scheduler timer, int maxMessageSize, MetricsRecorder metrics) {
        this.metrics = metrics;
        this.path = path;
        this.projectId = projectId;
        this.key = key;
        this.isPrivate = isPrivate;
        this.mode = mode;
        this.creation = creation;
        this.removeOnDispose = removeOnDispose;
        this.maxPollInterval = maxPollInterval;
        this.timer = timer;
        this.maxMessageSize = maxMessageSize;
    }

    static SysVQueueSpec ofPath(Path path, int projectId) {
        Objects.requireNonNull(path, "path");
        if ((projectId & 0xff) == 0) {
            throw new IllegalArgumentException("ftok uses the low 8 bits of the project id, which must not be 0, but it was " + projectId);
        }
        return new SysVQueueSpec(path.toAbsolutePath(), projectId, 0, false, DEFAULT_MODE, Creation.OPEN_OR_CREATE,
                true, DEFAULT_MAX_POLL_INTERVAL, null, 0, Metering.NONE);
    }

    static SysVQueueSpec ofKey(int key) {
        if (key == 0) {
            throw new IllegalArgumentException("key 0 is IPC_PRIVATE: use SysVQueue.privateQueue()");
        }
        return new SysVQueueSpec(null, 0, key, false, DEFAULT_MODE, Creation.OPEN_OR_CREATE, true,
                DEFAULT_MAX_POLL_INTERVAL, null, 0, Metering.NONE);
    }

    static SysVQueueSpec ofPrivate() {
        return new SysVQueueSpec(null, 0, 0, true, DEFAULT_MODE, Creation.CREATE_NEW, true,
                DEFAULT_MAX_POLL_INTERVAL, null, 0, Metering.NONE);
    }

    static SysVQueueSpec ofId(int id) {
        if (id < 0) {
            throw new IllegalArgumentException("id >= 0 required but it was " + id);
        }
        // the key field holds the id; a spec by id never creates or removes
        return new SysVQueueSpec(null, -1, id, false, DEFAULT_MODE, Creation.OPEN_EXISTING, false,
                DEFAULT_MAX_POLL_INTERVAL, null, 0, Metering.NONE);
    }

    boolean byId() {
        return projectId == -1;
    }

    /** The permission bits of a queue this spec creates, octal 0600 by default. */
    public SysVQueueSpec mode(int mode) {
        if ((mode & ~0777) != 0) {
            throw new IllegalArgumentException("mode must be permission bits within 0777 but it was 0" + Integer.toOctalString(mode));
        }
        return new SysVQueueSpec(path, projectId, key, isPrivate, mode, creation, removeOnDispose, maxPollInterval, timer, maxMessageSize, metrics);
    }

    /**
     * Whether opening may create the queue; {@link Creation#OPEN_OR_CREATE} by default. A private
     * queue is always new.
     */
    public SysVQueueSpec creation(Creation creation) {
        Objects.requireNonNull(creation, "creation");
        if (byId() && creation != Creation.OPEN_EXISTING) {
            throw new IllegalArgumentException("a queue opened by id exists already; it cannot be " + creation);
        }
        if (isPrivate && creation != Creation.CREATE_NEW) {
            throw new IllegalArgumentException("a private queue (IPC_PRIVATE) is always created new, not " + creation);
        }
        return new SysVQueueSpec(path, projectId, key, isPrivate, mode, creation, removeOnDispose, maxPollInterval, timer, maxMessageSize, metrics);
    }

    /**
     * Whether disposing removes ({@code IPC_RMID}) the queue, when this opening created it;
     * {@code true} by default. A queue opened but not created is never removed.
     */
    public SysVQueueSpec removeOnDispose(boolean remove) {
        return new SysVQueueSpec(path, projectId, key, isPrivate, mode, creation, remove, maxPollInterval, timer, maxMessageSize, metrics);
    }

    /**
     * The longest pause between two non-blocking tries of an empty queue (receiving) or a full
     * one (sending), {@link #DEFAULT_MAX_POLL_INTERVAL} by default: the worst extra latency of
     * a message that arrives after a quiet spell, against one system call per interval while
     * waiting. See {@link SysVQueue#receive(long)}.
     */
    public SysVQueueSpec maxPollInterval(Duration interval) {
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative() || interval.isZero() || interval.compareTo(Duration.ofSeconds(1)) > 0) {
            throw new IllegalArgumentException("0 < maxPollInterval <= 1s required but it was " + interval);
        }
        return new SysVQueueSpec(path, projectId, key, isPrivate, mode, creation, removeOnDispose, interval, timer, maxMessageSize, metrics);
    }

    /** Where the tries of an empty or full queue run; {@link Schedulers#parallel()} by default. */
    public SysVQueueSpec timer(Scheduler timer) {
        return new SysVQueueSpec(path, projectId, key, isPrivate, mode, creation, removeOnDispose, maxPollInterval,
                Objects.requireNonNull(timer, "timer"), maxMessageSize, metrics);
    }

    /**
     * The largest message this handle sends or receives, in bytes; by default the system's
     * {@code /proc/sys/kernel/msgmax} (or the queue's byte capacity, if smaller). A larger
     * message fails a send with {@link io.interflux.FrameTooLargeException} before it reaches
     * the queue, and fails a receive that meets one (it stays in the queue).
     */
    public SysVQueueSpec maxMessageSize(int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("maxMessageSize > 0 required but it was " + bytes);
        }
        return new SysVQueueSpec(path, projectId, key, isPrivate, mode, creation, removeOnDispose, maxPollInterval,
                timer, bytes, metrics);
    }

    /**
     * Opens (and, as the spec allows, creates) the queue when subscribed. Fails with an
     * {@link io.interflux.IpcException} naming the key and the errno.
     */
    public Mono<SysVQueue> open() {
        return Mono.fromCallable(() -> SysVQueue.open(this));
    }

    /** {@link #open()} and wait at most {@code timeout}: for {@code main} methods and tests. */
    public SysVQueue openNow(Duration timeout) {
        return open().block(timeout);
    }

    String describeKey() {
        if (isPrivate) {
            return "IPC_PRIVATE";
        }
        if (byId()) {
            return "by id";
        }
        if (path != null) {
            return "ftok(\"" + path + "\", " + projectId + ")";
        }
        return "key 0x" + Integer.toHexString(key);
    }

    @Override
    public String toString() {
        return "SysVQueueSpec[" + describeKey() + ", mode 0" + Integer.toOctalString(mode) + ", " + creation + "]";
    }

    /**
     * Turns on Micrometer meters for what this spec opens ({@code true}), tagged
     * {@code mechanism=sysv-mq} and {@code name=sysv-mq}; see {@link MetricsRecorder#micrometer(String, String)}
     * for the meters. Off by default, and then nothing of Micrometer is loaded.
     *
     * @throws IllegalStateException when {@code io.micrometer:micrometer-core} is not on the class path
     */
    public SysVQueueSpec metrics(boolean enable) {
        return metrics(Metering.enabled(enable, "sysv-mq"));
    }

    /**
     * Turns on Micrometer meters tagged {@code mechanism=sysv-mq} and {@code name=<name>}: a fixed
     * name of your choosing (1 to 64 characters of {@code [A-Za-z0-9._-]}), never a path or an id.
     *
     * @throws IllegalStateException when {@code io.micrometer:micrometer-core} is not on the class path
     */
    public SysVQueueSpec metrics(String name) {
        return metrics(MetricsRecorder.micrometer("sysv-mq", name));
    }

    /** Reports to a recorder of your own instead of Micrometer's; {@link MetricsRecorder} says what it is told. */
    public SysVQueueSpec metrics(MetricsRecorder recorder) {
        MetricsRecorder metrics = Metering.custom(recorder);
        return new SysVQueueSpec(path, projectId, key, isPrivate, mode, creation, removeOnDispose, maxPollInterval, timer, maxMessageSize, metrics);
    }
}
