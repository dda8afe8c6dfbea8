package io.interflux.shm;

import io.interflux.MetricsRecorder;
import io.interflux.internal.metrics.Metering;
import io.interflux.Creation;
import io.interflux.EventLoop;
import reactor.core.publisher.Mono;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * An immutable description of a shared ring to open: where its segment lives, whether it may be
 * created and how (capacity, producers, mode), and whether disposing removes it.
 *
 * <p>Each method returns a new spec; nothing touches the OS until {@link #open()} is subscribed.
 *
 * <pre>{@code
 * SharedRing ring = SharedRing.named("/prices")
 *     .capacity(1 << 20)
 *     .producers(Producers.MANY)
 *     .openNow(Duration.ofSeconds(5));
 * }</pre>
 */
public final class SharedRingSpec {

    /** The mode a created segment and its doorbells get unless {@link #mode(int)} says otherwise. */
    public static final int DEFAULT_MODE = 0600;
    /** The capacity a ring is created with unless {@link #capacity(int)} says otherwise: 1 MiB. */
    public static final int DEFAULT_CAPACITY = 1 << 20;
    /** How long a waiting side spins before it sleeps, unless {@link #spin(Duration)} says otherwise: 50 µs. */
    public static final Duration DEFAULT_SPIN = Duration.ofNanos(50_000);
    /** The longest POSIX name after its slash: {@code NAME_MAX} less the doorbells' ".space". */
    static final int NAME_MAX = 255 - ".space".length();

    final String name;
    final Path path;
    final int capacity;
    final Producers producers;
    final Creation creation;
    final int mode;
    final boolean removeOnDispose;
    final EventLoop loop;
    final Duration attachTimeout;
    final Duration consumerTimeout;
    final long spinNanos;
    final MetricsRecorder metrics;

    SharedRingSpec(String name, Path path) {
        this(name, path, 0, null, Creation.OPEN_OR_CREATE, DEFAULT_MODE, true, null,
                Duration.ofSeconds(5), Duration.ofSeconds(10), DEFAULT_SPIN.toNanos(), Metering.NONE);
    }

    private SharedRingSpec(String name, Path path, int capacity, Producers producers, Creation creation, int mode,
                           boolean removeOnDispose, EventLoop loop, Duration attachTimeout, Duration consumerTimeout,
                           long spinNanos, MetricsRecorder metrics) {
        this.metrics = metrics;
        this.name = name;
        this.path = path;
        this.capacity = capacity;
        this.producers = producers;
        this.creation = creation;
        this.mode = mode;
        this.removeOnDispose = removeOnDispose;
        this.loop = loop;
        this.attachTimeout = attachTimeout;
        this.consumerTimeout = consumerTimeout;
        this.spinNanos = spinNanos;
    }

    static String validateName(String name) {
        return io.interflux.internal.Names.posix(name, NAME_MAX, "a shared ring");
    }

    static Path validatePath(Path path) {
        return SegmentFile.validatePath(path, "a shared ring");
    }

    /** The POSIX name ({@code "/prices"}), or {@code null} for a ring in a file of one's choosing. */
    public String name() {
        return name;
    }

    /** The segment's file: {@code /dev/shm/prices} for {@code "/prices"}. */
    public Path path() {
        return path;
    }

    /**
     * How many bytes of records a ring this spec creates holds, a power of two from
     * {@value RingDescriptor#MIN_CAPACITY} to 2^30; {@value #DEFAULT_CAPACITY} by default. A record
     * takes its payload plus 8 bytes, rounded up to 8; the largest payload is an eighth of the
     * capacity. When the ring exists already its capacity must match, unless none was asked for.
     */
    public SharedRingSpec capacity(int bytes) {
        if (bytes < RingDescriptor.MIN_CAPACITY || bytes > RingDescriptor.MAX_CAPACITY || Integer.bitCount(bytes) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two from " + RingDescriptor.MIN_CAPACITY
                    + " to " + RingDescriptor.MAX_CAPACITY + " bytes but it was " + bytes);
        }
        return new SharedRingSpec(name, path, bytes, producers, creation, mode, removeOnDispose, loop,
                attachTimeout, consumerTimeout, spinNanos, metrics);
    }

    /**
     * How many processes may write into a ring this spec creates: {@link Producers#MANY} by
     * default. When the ring exists already its mode must match, unless none was asked for.
     */
    public SharedRingSpec producers(Producers producers) {
        return new SharedRingSpec(name, path, capacity, Objects.requireNonNull(producers, "producers"), creation, mode,
                removeOnDispose, loop, attachTimeout, consumerTimeout, spinNanos, metrics);
    }

    /** Whether opening may create the ring; {@link Creation#OPEN_OR_CREATE} by default. */
    public SharedRingSpec creation(Creation creation) {
        return new SharedRingSpec(name, path, capacity, producers, Objects.requireNonNull(creation, "creation"), mode,
                removeOnDispose, loop, attachTimeout, consumerTimeout, spinNanos, metrics);
    }

    /**
     * The permission bits of a segment (and doorbells) this spec creates, {@value #DEFAULT_MODE}
     * (octal 0600) by default, applied exactly: the umask does not narrow them.
     */
    public SharedRingSpec mode(int mode) {
        if ((mode & ~0777) != 0) {
            throw new IllegalArgumentException("mode must be permission bits within 0777 but it was 0"
                    + Integer.toOctalString(mode));
        }
        return new SharedRingSpec(name, path, capacity, producers, creation, mode, removeOnDispose, loop,
                attachTimeout, consumerTimeout, spinNanos, metrics);
    }

    /**
     * Whether disposing removes the segment and its doorbells, when this opening created them;
     * {@code true} by default. Processes still attached keep working on what they mapped; new
     * openings find nothing. A ring opened but not created is never removed.
     */
    public SharedRingSpec removeOnDispose(boolean remove) {
        return new SharedRingSpec(name, path, capacity, producers, creation, mode, remove, loop,
                attachTimeout, consumerTimeout, spinNanos, metrics);
    }

    /** The event loop the doorbells sleep on; {@link EventLoop#shared()} by default. */
    public SharedRingSpec eventLoop(EventLoop loop) {
        return new SharedRingSpec(name, path, capacity, producers, creation, mode, removeOnDispose,
                Objects.requireNonNull(loop, "loop"), attachTimeout, consumerTimeout, spinNanos, metrics);
    }

    /**
     * How long {@link #open()} waits for a ring another process is creating right now (its
     * segment exists but is not yet marked ready); 5 s by default. The wait is a retry every
     * 10 ms on a timer, holding no thread; after it, the open fails naming the segment.
     */
    public SharedRingSpec attachTimeout(Duration timeout) {
        return new SharedRingSpec(name, path, capacity, producers, creation, mode, removeOnDispose, loop,
                positive(timeout, "attachTimeout"), consumerTimeout, spinNanos, metrics);
    }

    /**
     * How long a send waits on a full ring that nobody receives from before it fails with
     * {@link NoConsumerException}; 10 s by default. While a consumer is attached a send waits for
     * space as long as it takes (that is backpressure); this bounds the wait once it is gone.
     */
    public SharedRingSpec consumerTimeout(Duration timeout) {
        return new SharedRingSpec(name, path, capacity, producers, creation, mode, removeOnDispose, loop,
                attachTimeout, positive(timeout, "consumerTimeout"), spinNanos, metrics);
    }

    /**
     * The most a receive that finds the ring empty, or a send that finds it full, keeps looking
     * before it sleeps on its doorbell: {@link #DEFAULT_SPIN} by default, zero to sleep at once.
     * A spin that finds work within it costs no system call and no wake-up; the budget adapts
     * (it shrinks where spinning does not pay, as on a host where the other side cannot run
     * meanwhile), so an idle ring costs no CPU whatever is set here.
     */
    public SharedRingSpec spin(Duration spin) {
        Objects.requireNonNull(spin, "spin");
        if (spin.isNegative()) {
            throw new IllegalArgumentException("spin must not be negative but it was " + spin);
        }
        return new SharedRingSpec(name, path, capacity, producers, creation, mode, removeOnDispose, loop,
                attachTimeout, consumerTimeout, spin.toNanos(), metrics);
    }

    private static Duration positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive but it was " + d);
        }
        return d;
    }

    /**
     * Opens (and, as the spec allows, creates) the ring when subscribed: maps the segment and
     * opens its doorbells. A segment that another process is still initialising is waited for,
     * up to {@link #attachTimeout(Duration)}. Fails with an {@link io.interflux.IpcException}
     * naming the segment and the errno, or with {@link IllegalStateException} when the segment
     * exists with another layout, capacity or producer mode (naming both).
     */
    public Mono<SharedRing> open() {
        return SegmentFile.opening(() -> SharedRing.open(this), attachTimeout);
    }

    /**
     * {@link #open()}, blocking the calling thread for at most {@code timeout}: for {@code main}
     * methods and tests only. Never call it on an event-loop or other non-blocking thread.
     */
    public SharedRing openNow(Duration timeout) {
        return open().block(timeout);
    }

    @Override
    public String toString() {
        return "SharedRingSpec[" + (name != null ? name : path) + ", " + creation + ", mode 0"
                + Integer.toOctalString(mode) + "]";
    }

    /**
     * Turns on Micrometer meters for what this spec opens ({@code true}), tagged
     * {@code mechanism=shm-ring} and {@code name=shm-ring}; see {@link MetricsRecorder#micrometer(String, String)}
     * for the meters. Off by default, and then nothing of Micrometer is loaded.
     *
     * @throws IllegalStateException when {@code io.micrometer:micrometer-core} is not on the class path
     */
    public SharedRingSpec metrics(boolean enable) {
        return metrics(Metering.enabled(enable, "shm-ring"));
    }

    /**
     * Turns on Micrometer meters tagged {@code mechanism=shm-ring} and {@code name=<name>}: a fixed
     * name of your choosing (1 to 64 characters of {@code [A-Za-z0-9._-]}), never a path or an id.
     *
     * @throws IllegalStateException when {@code io.micrometer:micrometer-core} is not on the class path
     */
    public SharedRingSpec metrics(String name) {
        return metrics(MetricsRecorder.micrometer("shm-ring", name));
    }

    /** Reports to a recorder of your own instead of Micrometer's; {@link MetricsRecorder} says what it is told. */
    public SharedRingSpec metrics(MetricsRecorder recorder) {
        MetricsRecorder metrics = Metering.custom(recorder);
        return new SharedRingSpec(name, path, capacity, producers, creation, mode, removeOnDispose, loop, attachTimeout, consumerTimeout, spinNanos, metrics);
    }
}
