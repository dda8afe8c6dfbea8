package io.interflux.benchmarks.kill;

import io.interflux.Creation;
import io.interflux.shm.SharedLong;
import io.interflux.shm.SharedValues;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The side channel between the campaign and a victim, which outlives the victim: a slice of
 * {@value #SLOTS} slots of a {@link SharedValues} segment the campaign creates for a mechanism's
 * run, one slice per kill in turn ({@value #SLICES} of them, more than the victims started ahead,
 * each cleared after its kill). One segment per run rather than per kill, because a disposed
 * segment stays mapped for a second ({@code SharedValues.UNMAP_GRACE}).
 *
 * <p>The victim writes {@link #READY} (its pid) once its end of the mechanism is open (a victim
 * started ahead of its kill first waits for {@link #OBJECTS}), waits for {@link #GO}, then stores
 * {@link #COUNT}, how many items the kernel accepted, after each one. Read after the kill,
 * {@code COUNT} is a lower bound of what the kernel holds or delivered, short by at most the one
 * item the kill fell between its write and the store.
 */
final class Control {

    /** The victim's pid, once its end is open. */
    static final int READY = 0;
    /** Set by the campaign once its side listens: the victim starts writing. */
    static final int GO = 1;
    /** Items the kernel accepted from the victim, stored after each one. */
    static final int COUNT = 2;
    /** The lock victim: 1 from taking the lock to just before giving it back. */
    static final int HELD = 3;
    /** The lock victim: what a transfer takes from. */
    static final int FROM = 4;
    /** The lock victim: what a transfer gives to. */
    static final int TO = 5;
    /** Set by the campaign once the kill's objects exist: a victim started ahead waits for it before it opens them. */
    static final int OBJECTS = 6;
    /** Slots per kill. */
    static final int SLOTS = 8;
    /** Kills whose slices are in use at once: the current one and the victims started ahead. */
    static final int SLICES = 8;

    private static final Duration OPEN = Duration.ofSeconds(10);

    final SharedValues values;
    private final int base;

    private Control(SharedValues values, int base) {
        this.values = values;
        this.base = base;
    }

    /** Creates the segment {@code name} ({@code "/ifx-kill-..."}) for a mechanism's run: the campaign's side. */
    static SharedValues create(String name) {
        return SharedValues.named(name).creation(Creation.CREATE_NEW).slots(SLOTS * SLICES).openNow(OPEN);
    }

    /** The slice of kill {@code index} in {@code values}. */
    static Control of(SharedValues values, int index) {
        return new Control(values, base(index));
    }

    /** The first slot of kill {@code index}'s slice. */
    static int base(int index) {
        return SLOTS * (index % SLICES);
    }

    /** Opens the segment the campaign created and takes kill {@code index}'s slice: the victim's side. */
    static Control open(String name, int index) {
        return of(SharedValues.named(name).creation(Creation.OPEN_EXISTING).slots(SLOTS * SLICES).openNow(OPEN), index);
    }

    /** The segment's file, {@code /dev/shm/NAME}, for a victim that maps it itself. */
    Path path() {
        return values.path();
    }

    SharedLong value(int slot) {
        return values.longValue(base + slot);
    }

    long get(int slot) {
        return value(slot).get();
    }

    void set(int slot, long value) {
        value(slot).set(value);
    }

    /** Zeroes the slice once its kill is over, for the kill that takes it next. */
    void clear() {
        for (int i = 0; i < SLOTS; i++) {
            set(i, 0);
        }
    }

    /**
     * Polls, every 100 us, until {@code slot} is not 0 or {@code victimAlive} says the victim is
     * gone; gives its value, 0 when it never came.
     */
    long awaitSet(int slot, Duration within, BooleanSupplier victimAlive) {
        return awaitSet(slot, within, victimAlive, TimeUnit.MICROSECONDS.toNanos(100));
    }

    /** {@link #awaitSet(int, Duration, BooleanSupplier)}, polling every {@code pollNanos}. */
    long awaitSet(int slot, Duration within, BooleanSupplier victimAlive, long pollNanos) {
        long deadline = System.nanoTime() + within.toNanos();
        long v;
        while ((v = get(slot)) == 0 && victimAlive.getAsBoolean() && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(pollNanos);
        }
        return v;
    }
}
