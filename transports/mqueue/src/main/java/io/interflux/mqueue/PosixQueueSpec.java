package io.interflux.mqueue;

import io.interflux.MetricsRecorder;
import io.interflux.internal.metrics.Metering;
import io.interflux.Creation;
import io.interflux.Access;
import io.interflux.EventLoop;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.Objects;

/**
 * An immutable description of a POSIX message queue to open: its name, whether it may be
 * created, with which mode and capacity, and whether disposing removes it.
 *
 * <p>Each method returns a new spec; nothing touches the OS until {@link #open()} is subscribed.
 *
 * <pre>{@code
 * PosixQueue orders = PosixQueue.named("/orders")
 *     .creation(Creation.CREATE_NEW)
 *     .maxMessages(10)
 *     .maxMessageSize(1024)
 *     .open()
 *     .block();
 * }</pre>
 */
public final class PosixQueueSpec {

    /** The mode a created queue gets unless {@link #mode(int)} says otherwise: owner read/write. */
    public static final int DEFAULT_MODE = 0600;

    /** Linux's {@code NAME_MAX}: the longest name after the leading slash, in bytes (UTF-8). */
    static final int NAME_MAX = 255;

    final String name;
    final int mode;
    final Creation creation;
    final int maxMessages;
    final int maxMessageSize;
    final boolean removeOnDispose;
    final Access access;
    final EventLoop loop;
    final MetricsRecorder metrics;

    PosixQueueSpec(String name) {
        this(validateName(name), DEFAULT_MODE, Creation.OPEN_OR_CREATE, 0, 0, true, Access.SEND_AND_RECEIVE, null, Metering.NONE);
    }

    private PosixQueueSpec(String name, int mode, Creation creation, int maxMessages, int maxMessageSize,
                           boolean removeOnDispose, Access access, EventLoop loop, MetricsRecorder metrics) {
        this.metrics = metrics;
        this.access = access;
        this.name = name;
        this.mode = mode;
        this.creation = creation;
        this.maxMessages = maxMessages;
        this.maxMessageSize = maxMessageSize;
        this.removeOnDispose = removeOnDispose;
        this.loop = loop;
    }

    static String validateName(String name) {
        return io.interflux.internal.Names.posix(name, NAME_MAX, "a POSIX queue");
    }

    /** The queue's name, {@code "/orders"}. */
    public String name() {
        return name;
    }

    /**
     * The permission bits of a queue this spec creates, {@value #DEFAULT_MODE} (octal 0600) by
     * default. Applied exactly: the process umask does not narrow them.
     */
    public PosixQueueSpec mode(int mode) {
        if ((mode & ~0777) != 0) {
            throw new IllegalArgumentException("mode must be permission bits within 0777 but it was 0" + Integer.toOctalString(mode));
        }
        return new PosixQueueSpec(name, mode, creation, maxMessages, maxMessageSize, removeOnDispose, access, loop, metrics);
    }

    /** Whether opening may create the queue; {@link Creation#OPEN_OR_CREATE} by default. */
    public PosixQueueSpec creation(Creation creation) {
        return new PosixQueueSpec(name, mode, Objects.requireNonNull(creation, "creation"), maxMessages,
                maxMessageSize, removeOnDispose, access, loop, metrics);
    }

    /**
     * How many messages a queue this spec creates holds before senders are held back; by
     * default the kernel's {@code /proc/sys/fs/mqueue/msg_default}. More than
     * {@code /proc/sys/fs/mqueue/msg_max} fails {@link #open()}.
     */
    public PosixQueueSpec maxMessages(int maxMessages) {
        if (maxMessages <= 0) {
            throw new IllegalArgumentException("maxMessages > 0 required but it was " + maxMessages);
        }
        return new PosixQueueSpec(name, mode, creation, maxMessages, maxMessageSize, removeOnDispose, access, loop, metrics);
    }

    /**
     * The largest message a queue this spec creates accepts, in bytes; by default the kernel's
     * {@code /proc/sys/fs/mqueue/msgsize_default}. More than
     * {@code /proc/sys/fs/mqueue/msgsize_max} fails {@link #open()}.
     */
    public PosixQueueSpec maxMessageSize(int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("maxMessageSize > 0 required but it was " + bytes);
        }
        return new PosixQueueSpec(name, mode, creation, maxMessages, bytes, removeOnDispose, access, loop, metrics);
    }

    /**
     * Whether disposing removes ({@code mq_unlink}) the queue, when this opening created it;
     * {@code true} by default. A queue opened but not created is never removed.
     */
    public PosixQueueSpec removeOnDispose(boolean remove) {
        return new PosixQueueSpec(name, mode, creation, maxMessages, maxMessageSize, remove, access, loop, metrics);
    }

    /**
     * What this endpoint does with the queue, and so how it opens it: {@link Access#SEND_AND_RECEIVE}
     * ({@code O_RDWR}) by default; {@link Access#SEND} ({@code O_WRONLY}) for a producer that may
     * only write the queue, {@link Access#RECEIVE} ({@code O_RDONLY}) for a consumer that may only
     * read it. The kernel checks the queue's mode against this access only; a send on a
     * receive-only queue (or the reverse) fails with {@link IllegalStateException}.
     */
    public PosixQueueSpec access(Access access) {
        return new PosixQueueSpec(name, mode, creation, maxMessages, maxMessageSize, removeOnDispose,
                Objects.requireNonNull(access, "access"), loop, metrics);
    }

    /** The event loop that watches the queue descriptor; {@link EventLoop#shared()} by default. */
    public PosixQueueSpec eventLoop(EventLoop loop) {
        return new PosixQueueSpec(name, mode, creation, maxMessages, maxMessageSize, removeOnDispose, access,
                Objects.requireNonNull(loop, "loop"), metrics);
    }

    /**
     * Opens (and, as the spec allows, creates) the queue when subscribed. Fails with an
     * {@link io.interflux.IpcException} naming the queue and the errno, or, for a capacity above
     * the system's limits, naming the limit and the {@code /proc} file that sets it.
     */
    public Mono<PosixQueue> open() {
        return Mono.fromCallable(() -> PosixQueue.open(this));
    }

    /**
     * {@link #open()}, blocking the calling thread for at most {@code timeout}: for {@code main}
     * methods and tests only. Never call it on an event-loop or other non-blocking thread
     * (Reactor refuses {@code block()} there); compose {@link #open()} instead.
     */
    public PosixQueue openNow(Duration timeout) {
        return open().block(timeout);
    }

    @Override
    public String toString() {
        return "PosixQueueSpec[" + name + ", mode 0" + Integer.toOctalString(mode) + ", " + creation + ", " + access + "]";
    }

    /**
     * Turns on Micrometer meters for what this spec opens ({@code true}), tagged
     * {@code mechanism=posix-mq} and {@code name=posix-mq}; see {@link MetricsRecorder#micrometer(String, String)}
     * for the meters. Off by default, and then nothing of Micrometer is loaded.
     *
     * @throws IllegalStateException when {@code io.micrometer:micrometer-core} is not on the class path
     */
    public PosixQueueSpec metrics(boolean enable) {
        return metrics(Metering.enabled(enable, "posix-mq"));
    }

    /**
     * Turns on Micrometer meters tagged {@code mechanism=posix-mq} and {@code name=<name>}: a fixed
     * name of your choosing (1 to 64 characters of {@code [A-Za-z0-9._-]}), never a path or an id.
     *
     * @throws IllegalStateException when {@code io.micrometer:micrometer-core} is not on the class path
     */
    public PosixQueueSpec metrics(String name) {
        return metrics(MetricsRecorder.micrometer("posix-mq", name));
    }

    /** Reports to a recorder of your own instead of Micrometer's; {@link MetricsRecorder} says what it is told. */
    public PosixQueueSpec metrics(MetricsRecorder recorder) {
        MetricsRecorder metrics = Metering.custom(recorder);
        return new PosixQueueSpec(name, mode, creation, maxMessages, maxMessageSize, removeOnDispose, access, loop, metrics);
    }
}
