package io.interflux.shm;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * A 64-bit integer in a {@link SharedValues} slot, atomic across every process that maps it.
 *
 * <p>Memory ordering: {@link #get()}, {@link #set(long)}, {@link #getAndAdd(long)},
 * {@link #addAndGet(long)}, {@link #getAndSet(long)} and {@link #compareAndSet(long, long)} are
 * sequentially consistent, as the accesses of a Java {@code volatile} field are, towards every
 * other such operation on any slot of the segment, in this process or another: what a process
 * wrote before a {@code set} is visible to a process whose {@code get} reads the value set.
 * They are the instructions the JVM emits for {@code volatile} and {@link java.util.concurrent.atomic.AtomicLong}
 * (on x86_64 a plain load, a store followed by a locked instruction, {@code lock xadd} and
 * {@code lock cmpxchg}; on aarch64 {@code ldar}, {@code stlr} and their atomic forms), which
 * order memory for every core, whatever process runs on it, and match C's
 * {@code __ATOMIC_SEQ_CST} on the same address. {@link #setRelease(long)} is a release store:
 * the reads and writes before it are visible to whoever reads the value it stored.
 *
 * <p>{@link #racyAdd(long)} is the exception, on purpose: a plain read and a plain write, to show
 * what goes wrong without atomicity. Never use it for real data.
 *
 * <p>Every method throws {@link io.interflux.DisposedException} once the values are disposed.
 */
public final class SharedLong {

    private final SharedValues values;
    private final UnsafeBuffer buffer;
    private final int offset;
    private final int index;

    SharedLong(SharedValues values, int offset, int index) {
        this.values = values;
        this.buffer = values.buffer;
        this.offset = offset;
        this.index = index;
    }

    /** The slot this value lives in. */
    public int index() {
        return index;
    }

    /** The value, read with volatile (sequentially consistent) semantics. */
    public long get() {
        values.check();
        return buffer.getLongVolatile(offset);
    }

    /** Stores {@code value} with volatile (sequentially consistent) semantics. */
    public void set(long value) {
        values.check();
        buffer.putLongVolatile(offset, value);
    }

    /** Stores {@code value} with release semantics: cheaper than {@link #set(long)}, ordering only the writes before it. */
    public void setRelease(long value) {
        values.check();
        buffer.putLongRelease(offset, value);
    }

    /** Adds {@code delta} atomically and returns the value before. */
    public long getAndAdd(long delta) {
        values.check();
        return buffer.getAndAddLong(offset, delta);
    }

    /** Adds {@code delta} atomically and returns the value after. */
    public long addAndGet(long delta) {
        values.check();
        return buffer.getAndAddLong(offset, delta) + delta;
    }

    /** Stores {@code value} atomically and returns the value before. */
    public long getAndSet(long value) {
        values.check();
        return buffer.getAndSetLong(offset, value);
    }

    /** Stores {@code update} if the value is {@code expected}, atomically; whether it did. */
    public boolean compareAndSet(long expected, long update) {
        values.check();
        return buffer.compareAndSetLong(offset, expected, update);
    }

    /**
     * Reads the value and writes it back plus {@code delta}, <em>not</em> atomically: another
     * process adding at the same time can lose its addition, or this one. It exists to
     * demonstrate that race (the tour counts the losses); use {@link #getAndAdd(long)}, or hold a
     * {@link SharedSemaphore} permit around it.
     */
    public void racyAdd(long delta) {
        values.check();
        long v = buffer.getLong(offset);
        buffer.putLong(offset, v + delta);
    }

    @Override
    public String toString() {
        return "SharedLong[" + values.description + ", slot " + index + "]";
    }
}
