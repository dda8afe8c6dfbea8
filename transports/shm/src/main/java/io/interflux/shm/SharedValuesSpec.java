package io.interflux.shm;

import io.interflux.Creation;
import reactor.core.publisher.Mono;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * An immutable description of shared values to open: where their segment lives, how many slots a
 * created one has, whether it may be created, its mode, and whether disposing removes it. The
 * file follows the ring's rules: created exclusively with exactly the mode asked for, never
 * reached through a symbolic link, refused when it holds anything but shared values.
 *
 * <p>Each method returns a new spec; nothing touches the OS until {@link #open()} is subscribed.
 *
 * <pre>{@code
 * SharedValues values = SharedValues.named("/counters").slots(16).openNow(Duration.ofSeconds(5));
 * }</pre>
 */
public final class SharedValuesSpec {

    /** The mode a created segment gets unless {@link #mode(int)} says otherwise. */
    public static final int DEFAULT_MODE = 0600;
    /** The slots a segment is created with unless {@link #slots(int)} says otherwise. */
    public static final int DEFAULT_SLOTS = 64;

    final String name;
    final Path path;
    final int slots;
    final Creation creation;
    final int mode;
    final boolean removeOnDispose;
    final Duration attachTimeout;

    SharedValuesSpec(String name, Path path) {
        this(name, path, 0, Creation.OPEN_OR_CREATE, DEFAULT_MODE, true, Duration.ofSeconds(5));
    }

    private SharedValuesSpec(String name, Path path, int slots, Creation creation, int mode, boolean removeOnDispose,
                             Duration attachTimeout) {
        this.name = name;
        this.path = path;
        this.slots = slots;
        this.creation = creation;
        this.mode = mode;
        this.removeOnDispose = removeOnDispose;
        this.attachTimeout = attachTimeout;
    }

    /** The POSIX name ({@code "/counters"}), or {@code null} for values in a file of one's choosing. */
    public String name() {
        return name;
    }

    /** The segment's file: {@code /dev/shm/counters} for {@code "/counters"}. */
    public Path path() {
        return path;
    }

    /**
     * How many 8-byte slots a segment this spec creates holds, 1 to
     * {@value ValuesDescriptor#MAX_SLOTS}; {@value #DEFAULT_SLOTS} by default. Each slot holds one
     * {@link SharedLong} or one {@link SharedInt}. When the segment exists already its count must
     * match, unless none was asked for.
     */
    public SharedValuesSpec slots(int slots) {
        if (slots < 1 || slots > ValuesDescriptor.MAX_SLOTS) {
            throw new IllegalArgumentException("slots must be from 1 to " + ValuesDescriptor.MAX_SLOTS
                    + " but it was " + slots);
        }
        return new SharedValuesSpec(name, path, slots, creation, mode, removeOnDispose, attachTimeout);
    }

    /** Whether opening may create the segment; {@link Creation#OPEN_OR_CREATE} by default. */
    public SharedValuesSpec creation(Creation creation) {
        return new SharedValuesSpec(name, path, slots, Objects.requireNonNull(creation, "creation"), mode,
                removeOnDispose, attachTimeout);
    }

    /**
     * The permission bits of a segment this spec creates, {@value #DEFAULT_MODE} (octal 0600) by
     * default, applied exactly: the umask does not narrow them.
     */
    public SharedValuesSpec mode(int mode) {
        if ((mode & ~0777) != 0) {
            throw new IllegalArgumentException("mode must be permission bits within 0777 but it was 0"
                    + Integer.toOctalString(mode));
        }
        return new SharedValuesSpec(name, path, slots, creation, mode, removeOnDispose, attachTimeout);
    }

    /**
     * Whether disposing removes the segment, when this opening created it; {@code true} by
     * default. The removal waits for every other opening, in any process, to be disposed: the
     * last one out removes it (if the last one dies instead, the segment stays until a later
     * opening is disposed), so no process ever finds a fresh segment while others
     * still use the old one. Values opened but not created are never removed otherwise.
     */
    public SharedValuesSpec removeOnDispose(boolean remove) {
        return new SharedValuesSpec(name, path, slots, creation, mode, remove, attachTimeout);
    }

    /**
     * How long {@link #open()} waits for a segment another process is creating right now; 5 s by
     * default, retrying every 10 ms on a timer, holding no thread.
     */
    public SharedValuesSpec attachTimeout(Duration timeout) {
        return new SharedValuesSpec(name, path, slots, creation, mode, removeOnDispose,
                SegmentFile.positive(timeout, "attachTimeout", Duration.ofDays(1)));
    }

    /**
     * Opens (and, as the spec allows, creates) the segment when subscribed, and maps it. Fails
     * with an {@link io.interflux.IpcException} naming the file and the errno, or with
     * {@link IllegalStateException} when the file holds something else or another slot count.
     */
    public Mono<SharedValues> open() {
        return SegmentFile.opening(() -> SharedValues.open(this), attachTimeout);
    }

    /**
     * {@link #open()}, blocking the calling thread for at most {@code timeout}: for {@code main}
     * methods and tests only. Never call it on an event-loop or other non-blocking thread.
     */
    public SharedValues openNow(Duration timeout) {
        return open().block(timeout);
    }

    @Override
    public String toString() {
        return "SharedValuesSpec[" + (name != null ? name : path) + ", " + creation + ", mode 0"
                + Integer.toOctalString(mode) + "]";
    }
}
