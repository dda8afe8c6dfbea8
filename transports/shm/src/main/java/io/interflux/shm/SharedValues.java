package io.interflux.shm;

import io.interflux.DisposedException;
import io.interflux.IpcResource;
import io.interflux.internal.Names;
import io.interflux.internal.Native;
import io.interflux.shm.internal.ShmLibC;
import org.agrona.concurrent.UnsafeBuffer;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Numbers shared between processes: a segment of 8-byte slots (a POSIX shared-memory object in
 * {@code /dev/shm}, or a file) that every party maps, laid out as {@link ValuesDescriptor}
 * describes. Each slot is read and written through a {@link SharedLong} or a {@link SharedInt},
 * whose operations are atomic across processes.
 *
 * <p>Every operation is a plain instruction on mapped memory: no system call, nothing to wait
 * for, so it may run on any thread, event loops included. Waiting for a value to change is not
 * offered; combine the values with a {@link SharedSemaphore} when one process must wait for
 * another.
 *
 * <p>Every JVM that maps values needs {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}
 * (Agrona 2 reaches {@code jdk.internal.misc.Unsafe}); without it {@link SharedValuesSpec#open()}
 * fails saying so.
 *
 * <pre>{@code
 * SharedValues values = SharedValues.named("/counters").openNow(Duration.ofSeconds(5));
 * SharedLong hits = values.longValue(0);
 * hits.getAndAdd(1);                     // atomic, in whichever process runs it
 * long seen = hits.get();
 * values.dispose();                      // unmaps; removes the segment if this opening created it
 * }</pre>
 */
public final class SharedValues implements IpcResource {

    /** What shared values are called in errors. */
    static final String KIND = "shared values segment";
    private static final int NAME_MAX = 255;
    /** How long after dispose the mapping stays, for operations that began before it. */
    static final Duration UNMAP_GRACE = Duration.ofSeconds(1);

    final SharedValuesSpec spec;
    final String description;
    private final SegmentFile file;
    private final long address;
    private final long size;
    private final int slots;
    /** The whole mapping: header and slots. */
    final UnsafeBuffer buffer;
    /** Read before every operation; a plain load on x86_64. */
    private volatile boolean disposed;
    private final AtomicBoolean disposing = new AtomicBoolean();
    private final Sinks.Empty<Void> released = Sinks.empty();

    private SharedValues(SharedValuesSpec spec, SegmentFile file, long address, long size, int slots) {
        this.spec = spec;
        this.description = "shared values " + (spec.name != null ? spec.name : spec.path.toString());
        this.file = file;
        this.address = address;
        this.size = size;
        this.slots = slots;
        this.buffer = new UnsafeBuffer(address, (int) size);
    }

    /** A spec for the POSIX shared-memory object {@code name}: {@code "/counters"}, the segment {@code /dev/shm/counters}. */
    public static SharedValuesSpec named(String name) {
        Names.posix(name, NAME_MAX, "a shared values segment");
        return new SharedValuesSpec(name, Paths.get("/dev/shm", name.substring(1)));
    }

    /** A spec for values in the file {@code path} (on a tmpfs, such as {@code /dev/shm}, for memory speed). */
    public static SharedValuesSpec file(Path path) {
        return new SharedValuesSpec(null, SegmentFile.validatePath(path, "a shared values segment"));
    }

    static SharedValues open(SharedValuesSpec spec) {
        SegmentFile.requireAgrona();
        SegmentFile file = SegmentFile.open(KIND, spec.path, spec.creation, spec.mode);
        try {
            file.attend();
            return file.created ? initialise(spec, file) : attach(spec, file);
        } catch (RuntimeException | Error e) {
            file.abandon(e);
            throw e;
        }
    }

    private static SharedValues initialise(SharedValuesSpec spec, SegmentFile file) {
        int slots = spec.slots == 0 ? SharedValuesSpec.DEFAULT_SLOTS : spec.slots;
        long size = ValuesDescriptor.segmentSize(slots);
        file.truncate(size);
        long address = file.map(size);
        UnsafeBuffer h = new UnsafeBuffer(address, ValuesDescriptor.FIRST_SLOT_OFFSET);
        SegmentFile.writeStart(h, ValuesDescriptor.MAGIC, ValuesDescriptor.VERSION);
        h.putInt(ValuesDescriptor.SLOTS_OFFSET, slots);
        h.putInt(ValuesDescriptor.CREATOR_PID_OFFSET, Native.libc().getpid());
        SegmentFile.markReady(h);
        return new SharedValues(spec, file, address, size, slots);
    }

    private static SharedValues attach(SharedValuesSpec spec, SegmentFile file) {
        long size = file.attachedSize(ValuesDescriptor.FIRST_SLOT_OFFSET);
        if (size > ValuesDescriptor.segmentSize(ValuesDescriptor.MAX_SLOTS)) {
            throw new IllegalStateException(KIND + " " + file.path + " is " + size + " bytes, more than "
                    + ValuesDescriptor.MAX_SLOTS + " slots take: not shared values");
        }
        long address = file.map(size);
        try {
            UnsafeBuffer h = new UnsafeBuffer(address, ValuesDescriptor.FIRST_SLOT_OFFSET);
            file.checkHeader(h, ValuesDescriptor.MAGIC, ValuesDescriptor.VERSION);
            int slots = h.getInt(ValuesDescriptor.SLOTS_OFFSET);
            if (size != ValuesDescriptor.segmentSize(slots)) {
                throw new IllegalStateException(KIND + " " + file.path + " is " + size + " bytes but its header says "
                        + slots + " slots, which take " + ValuesDescriptor.segmentSize(slots) + " bytes");
            }
            if (spec.slots != 0 && spec.slots != slots) {
                throw new IllegalStateException(KIND + " " + file.path + " exists with " + slots
                        + " slots but the spec asks for " + spec.slots);
            }
            return new SharedValues(spec, file, address, size, slots);
        } catch (RuntimeException e) {
            ShmLibC.get().munmap(address, size);
            throw e;
        }
    }

    /** The POSIX name, {@code "/counters"}, or {@code null} for values in a file of one's choosing. */
    public String name() {
        return spec.name;
    }

    /** The segment's file. */
    public Path path() {
        return spec.path;
    }

    /** Whether this opening created the segment (and so removes it on dispose, if the spec says so). */
    public boolean created() {
        return file.created;
    }

    /** How many slots the segment holds. */
    public int slots() {
        return slots;
    }

    /**
     * The 64-bit value in slot {@code index}. Several views of one slot, in one process or many,
     * are the same value.
     *
     * @throws IndexOutOfBoundsException when {@code index} is not below {@link #slots()}
     */
    public SharedLong longValue(int index) {
        return new SharedLong(this, offset(index), index);
    }

    /**
     * The 32-bit value in the first 4 bytes of slot {@code index}. Use a slot either as a
     * {@code long} or as an {@code int}, not both.
     *
     * @throws IndexOutOfBoundsException when {@code index} is not below {@link #slots()}
     */
    public SharedInt intValue(int index) {
        return new SharedInt(this, offset(index), index);
    }

    private int offset(int index) {
        if (index < 0 || index >= slots) {
            throw new IndexOutOfBoundsException("slot " + index + " of " + description + ", which has "
                    + slots + " slots (0 to " + (slots - 1) + ")");
        }
        return ValuesDescriptor.slotOffset(index);
    }

    /** Before each operation: a value of disposed values is refused, not read from freed memory. */
    void check() {
        if (disposed) {
            throw new DisposedException(description);
        }
    }

    /**
     * Closes the file and, when this opening created the segment and the spec says so, removes
     * it, or leaves that to the last opening still open, in whichever process. Never blocks. An
     * operation on a value of this opening afterwards throws {@link DisposedException}; the
     * mapping itself is released {@link #UNMAP_GRACE} later, on a timer, so that an operation
     * which started just before the dispose still finishes on mapped memory.
     */
    @Override
    public void dispose() {
        if (!disposing.compareAndSet(false, true)) {
            return;
        }
        disposed = true;
        try {
            if (file.leave(buffer, file.created && spec.removeOnDispose)) {
                file.removeAndClose();
            } else {
                file.close(false);
            }
        } finally {
            Schedulers.parallel().schedule(() -> ShmLibC.get().munmap(address, size), UNMAP_GRACE.toMillis(),
                    TimeUnit.MILLISECONDS);
            released.tryEmitEmpty();
        }
    }

    @Override
    public boolean isDisposed() {
        return disposed;
    }

    @Override
    public Mono<Void> onDispose() {
        return released.asMono();
    }

    @Override
    public String toString() {
        return "SharedValues[" + (spec.name != null ? spec.name : spec.path) + ", " + slots + " slots"
                + (disposed ? ", disposed" : "") + "]";
    }
}
