package io.interflux.shm;

import io.interflux.internal.drain.Doorbell;
import io.interflux.internal.drain.MessageBatchSource;
import io.interflux.internal.drain.WorkBudget;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import reactor.util.Logger;
import reactor.util.Loggers;

import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The consuming side of one opening of a ring: the consumer claim, the records taken a run at a
 * time, the sleep on the consumer's doorbell, and what the consumer does when its head is stuck
 * behind a record that a dead process left unfinished.
 *
 * <p>A stuck head is looked at every {@value #STUCK_CHECK_MILLIS} ms while the receive sleeps on
 * it. Once it has not moved for {@value #STUCK_MILLIS} ms, the record there is skipped when a
 * producer slot whose lock nobody holds (its process is gone) names it as its claim in flight
 * ({@link RingDescriptor#claimOffset(int)}), or says it was about to claim; or when the head sits
 * on zeroed records that a consumer killed in the middle of a read had taken and cleared but not
 * yet accounted for. Nothing else is ever skipped: a live producer paused mid-write holds its
 * lock and is waited for.
 */
final class RingConsumer {

    private static final Logger LOG = Loggers.getLogger(SharedRing.class);

    /** How often a consumer stuck behind an unfinished record looks for its writer's death. */
    static final long STUCK_CHECK_MILLIS = 100;
    /** How long the head must stay stuck before a dead process's record there is skipped. */
    static final long STUCK_MILLIS = 1_000;
    /** Records that count as one kernel call of the drain's work budget: a record costs far less. */
    static final int RECORDS_PER_CALL = 32;

    private final SharedRing ring;
    private final UnsafeBuffer header;
    private final UnsafeBuffer records;
    /** The consumer's view, whatever the producers use: reads, and skips a dead writer's record ({@code unblock}). */
    private final ManyToOneRingBuffer view;
    private final int mask;
    /** Guarded by this: the head the stuck check last saw, and since when. */
    private long stuckHead = -1;
    private long stuckSince;
    private boolean checkPending;
    /** Set by the stuck check, acted on by the receive's own drain (the only one to touch the head). */
    private volatile boolean skipDue;
    /** The head the stuck check judged: the drain skips nothing else. */
    private volatile long skipAt = -1;
    /** The consumer before this receive died without letting go: the head may sit on records it zeroed. */
    private volatile boolean previousConsumerDied;

    RingConsumer(SharedRing ring) {
        this.ring = ring;
        this.header = ring.segment.header;
        this.records = ring.segment.ring;
        this.view = new ManyToOneRingBuffer(records);
        this.mask = ring.capacity - 1;
    }

    // ---- the claim ------------------------------------------------------------------------

    /** Makes this opening the ring's consumer; throws naming the holder when another is. Inside the lifecycle. */
    void claim() {
        if (!ring.consuming.compareAndSet(false, true)) {
            throw new ClaimedHere(ring.description + " has a receive running already in this process:"
                    + " a ring has one consumer at a time");
        }
        try {
            if (!ring.segment.tryLock(RingDescriptor.CONSUMER_PID_OFFSET)) {
                throw new IllegalStateException(ring.description + " has a consumer already, pid "
                        + header.getIntVolatile(RingDescriptor.CONSUMER_PID_OFFSET) + ": a ring has one consumer at a time");
            }
            // a pid left behind means its receive never ended: the process died, perhaps in the
            // middle of a read, after clearing records and before moving the head past them
            int previous = header.getAndSetInt(RingDescriptor.CONSUMER_PID_OFFSET, ring.pid);
            previousConsumerDied = previous != 0;
            if (previousConsumerDied) {
                LOG.warn(ring.description + ": its previous consumer, pid " + previous + ", is gone without detaching");
            }
        } catch (RuntimeException e) {
            ring.consuming.set(false);
            throw e;
        }
    }

    /**
     * The receive has ended. {@code mapped}: the segment is still mapped (the receive ran as a
     * member of the lifecycle); otherwise its lock goes with the descriptor.
     */
    void release(boolean mapped) {
        if (mapped) {
            header.putIntRelease(RingDescriptor.CONSUMER_SLEEPING_OFFSET, 0);
            header.compareAndSetInt(RingDescriptor.CONSUMER_PID_OFFSET, ring.pid, 0);
            ring.segment.unlock(RingDescriptor.CONSUMER_PID_OFFSET);
        }
        ring.consuming.set(false);
    }

    /** Another receive of this process holds the consumer claim. */
    static final class ClaimedHere extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        ClaimedHere(String message) {
            super(message);
        }
    }

    // ---- taking records -------------------------------------------------------------------

    /** What a receive makes of a record. */
    @FunctionalInterface
    interface RecordDecoder<T> {
        T decode(int type, byte[] payload);
    }

    /** A receive's source: runs of up to {@value #RECORDS_PER_CALL} records, one head store and one fence for each run. */
    final class Receiver<T> implements MessageBatchSource<T> {
        private final RecordDecoder<T> decoder;
        private Predicate<? super T> sink;
        private int taken;
        private T single;
        /** A step has run: the receive is a member of the lifecycle, the segment mapped until it leaves. */
        private boolean member;

        Receiver(RecordDecoder<T> decoder) {
            this.decoder = decoder;
        }

        @Override
        public int take(WorkBudget budget, long max, Predicate<? super T> sink) {
            member = true;
            if (!budget.spend()) {
                return 0;
            }
            this.sink = sink;
            this.taken = 0;
            try {
                int limit = (int) Math.min(max, RECORDS_PER_CALL);
                // a second read when the first met only the padding to the ring's end
                if (read(limit) == 0 && taken == 0 && read(limit) == 0 && taken == 0 && skipDue) {
                    skipStuckRecord();
                    read(limit);
                }
            } finally {
                this.sink = null;
                if (taken > 0) {
                    VarHandle.fullFence(); // the head moved: a producer that says it waits must see it
                    ring.ringSpaceIfWanted();
                }
            }
            return taken;
        }

        @Override
        public T poll(WorkBudget budget) {
            single = null;
            take(budget, 1, v -> {
                single = v;
                return true;
            });
            T v = single;
            single = null;
            return v;
        }

        /**
         * Up to {@code limit} records from the head, as Agrona's {@code controlledRead} takes
         * them (one block to the ring's end, the records read zeroed and the head stored with
         * release once), but with every record checked against the layout before a byte of it
         * is trusted, since any process that can open the segment can write anything into it: a
         * record that no producer writes fails the receive with {@link CorruptRingException}
         * after the well-formed ones before it, its bytes left where they are.
         */
        private int read(int limit) {
            long head = ring.head();
            long tail = ring.tail();
            if ((head & (RecordDescriptor.ALIGNMENT - 1)) != 0 || head > tail || tail - head > ring.capacity) {
                throw new CorruptRingException(ring.description, head, "a head position that is "
                        + (head > tail ? "past the tail (" + tail + ")"
                        : tail - head > ring.capacity ? "more than a lap behind the tail (" + tail + ")" : "not 8-byte aligned"));
            }
            int headIndex = indexOf(head);
            int block = ring.capacity - headIndex;
            int bytesRead = 0;
            int messages = 0;
            int paddings = 0;
            CorruptRingException corrupt = null;
            try {
                while (bytesRead < block && messages < limit) {
                    int recordIndex = headIndex + bytesRead;
                    int recordLength = records.getIntVolatile(RecordDescriptor.lengthOffset(recordIndex));
                    if (recordLength <= 0) {
                        break; // being written, or nothing there yet
                    }
                    int type = records.getInt(RecordDescriptor.typeOffset(recordIndex));
                    int aligned = (recordLength + RecordDescriptor.ALIGNMENT - 1) & -RecordDescriptor.ALIGNMENT;
                    long end = head + bytesRead + aligned;
                    if (end > tail) {
                        tail = ring.tail(); // read after the length: a producer claims before it writes
                    }
                    String wrong = recordLength < RecordDescriptor.HEADER_LENGTH ? "a record of " + recordLength + " bytes, shorter than its header"
                            : recordLength > block - bytesRead ? "a record of " + recordLength + " bytes running past the ring's end"
                            : end > tail ? "a record of " + recordLength + " bytes past the tail (" + tail + ")"
                            : type <= 0 && type != RingDescriptor.PADDING_TYPE ? "a record of type " + type
                            : type != RingDescriptor.PADDING_TYPE && recordLength - RecordDescriptor.HEADER_LENGTH > ring.maxMessageSize()
                                    ? "a record of " + (recordLength - RecordDescriptor.HEADER_LENGTH) + " payload bytes, over the ring's "
                                    + ring.maxMessageSize()
                            : null;
                    if (wrong != null) {
                        corrupt = new CorruptRingException(ring.description, head + bytesRead, wrong);
                        break;
                    }
                    bytesRead += aligned;
                    if (type == RingDescriptor.PADDING_TYPE) {
                        // a real producer pads once per lap; a chain of them counts toward the
                        // limit, so that no segment can keep this read going for a whole lap
                        if (++paddings >= limit) {
                            break;
                        }
                        continue;
                    }
                    messages++;
                    if (!deliver(type, recordIndex + RecordDescriptor.HEADER_LENGTH, recordLength - RecordDescriptor.HEADER_LENGTH)) {
                        break;
                    }
                }
            } finally {
                if (bytesRead > 0) {
                    records.setMemory(headIndex, bytesRead, (byte) 0);
                    records.putLongRelease(ring.headIndex(), head + bytesRead);
                }
            }
            if (corrupt != null) {
                throw corrupt;
            }
            return messages;
        }

        /** One record to the subscriber: {@code false} once it wants no more in this step. */
        private boolean deliver(int type, int index, int length) {
            byte[] payload = new byte[length];
            records.getBytes(index, payload);
            ring.spec.metrics.bytesReceived(length);
            taken++;
            return sink.test(decoder.decode(type, payload));
        }

        @Override
        public void released() {
            if (member) {
                release(true);
            } else if (ring.lifecycle.enter()) {
                // refused before it ever ran, or cancelled at once: still mapped while we hold it
                try {
                    release(true);
                } finally {
                    ring.lifecycle.exit();
                }
            } else {
                release(false);
            }
        }
    }

    /** The receive's wait on the consumer's doorbell, announced in the header. */
    final class Sleeper implements Doorbell.Sleeper {
        @Override
        public boolean sleepUnlessReady() {
            header.putIntVolatile(RingDescriptor.CONSUMER_SLEEPING_OFFSET, 1);
            long h = ring.head();
            if (records.getIntVolatile(indexOf(h)) > 0) {
                header.putIntRelease(RingDescriptor.CONSUMER_SLEEPING_OFFSET, 0);
                return true;
            }
            ring.ringSpaceIfWanted();
            if (ring.tail() == h) {
                clearStaleClaims(h);
            } else if (stuck()) {
                scheduleStuckCheck();
            }
            return false;
        }

        @Override
        public void woken() {
            header.putIntRelease(RingDescriptor.CONSUMER_SLEEPING_OFFSET, 0);
        }
    }

    /**
     * The ring is empty: a claim word a dead producer left (it died about to claim, or after its
     * record was complete) names no record, and would only keep its slot from being taken.
     */
    private void clearStaleClaims(long head) {
        for (int i = 0; i < RingDescriptor.PRODUCER_SLOTS; i++) {
            int claimWord = RingDescriptor.claimOffset(i);
            long claim = header.getLongVolatile(claimWord);
            if (claim != 0 && (claim == RingDescriptor.CLAIMING || claim - 1 < head) && !ring.holdsSlot(i)
                    && !ring.segment.lockedElsewhere(RingDescriptor.producerSlotOffset(i))
                    && ring.tail() == head) { // still empty after the look at its lock: it claimed nothing before dying
                header.compareAndSetLong(claimWord, claim, 0);
            }
        }
    }

    private int indexOf(long position) {
        // 8-byte aligned whatever the segment says: an unaligned atomic access can fault on aarch64
        return (int) position & mask & -RecordDescriptor.ALIGNMENT;
    }

    /** Records were claimed past the head, but the one at the head is not finished. */
    private boolean stuck() {
        long h = ring.head();
        return ring.tail() != h && records.getIntVolatile(indexOf(h)) <= 0;
    }

    // ---- a stuck head ---------------------------------------------------------------------

    private synchronized void scheduleStuckCheck() {
        if (!checkPending) {
            checkPending = true;
            ring.timer.schedule(this::checkStuck, STUCK_CHECK_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** On the timer: the head is stuck; did a dead process leave the record there? */
    private void checkStuck() {
        if (!ring.lifecycle.enter()) {
            return;
        }
        boolean wake = false;
        try {
            synchronized (this) {
                checkPending = false;
                if (!ring.consuming.get()) {
                    return;
                }
                long h = ring.head();
                if (!stuck()) {
                    stuckHead = -1;
                    wake = true; // finished meanwhile; its producer rings too, this costs nothing
                    return;
                }
                long now = System.nanoTime();
                if (h != stuckHead) {
                    stuckHead = h;
                    stuckSince = now;
                } else if (now - stuckSince >= TimeUnit.MILLISECONDS.toNanos(STUCK_MILLIS) && skippable(h, ring.tail())) {
                    skipAt = h;
                    skipDue = true;
                    stuckHead = -1;
                    wake = true;
                }
            }
            if (!wake) {
                scheduleStuckCheck();
            }
        } finally {
            if (wake) {
                ring.bell.wakeAll();
            }
            ring.lifecycle.exit();
        }
    }

    /**
     * Whether the unfinished record at {@code head} may be skipped: every producer that is alive
     * (its slot's lock held, or a writer of this opening) publishes the claim it has in flight, so
     * when none of them says it is about to claim, or names this record (or, for zeroes, any
     * record below {@code tail}), the record is not a live one's; and there is evidence of a death
     * that leaves such a record: a dead producer's claim word naming it or saying it was about to
     * claim, or a predecessor consumer that died (zeroes it had cleared). Frees the slots of dead
     * producers, and clears claim words the head has passed, on the way.
     */
    private boolean skippable(long head, long tail) {
        int length = records.getIntVolatile(indexOf(head));
        if (length > 0 || tail == head) {
            return false;
        }
        boolean evidence = previousConsumerDied && length == 0;
        for (int i = 0; i < RingDescriptor.PRODUCER_SLOTS; i++) {
            int slot = RingDescriptor.producerSlotOffset(i);
            int claimWord = RingDescriptor.claimOffset(i);
            long claim = header.getLongVolatile(claimWord);
            boolean alive = ring.holdsSlot(i) || ring.segment.lockedElsewhere(slot);
            if (alive) {
                if (claim == RingDescriptor.CLAIMING || claim == head + 1 || (length == 0 && claim > 0 && claim - 1 < tail)) {
                    return false; // perhaps its record: wait for it
                }
                continue;
            }
            int holder = header.getIntVolatile(slot);
            if (holder != 0 && header.compareAndSetInt(slot, holder, 0)) {
                LOG.warn(ring.description + ": producer pid " + holder + " is gone without detaching");
            }
            if (claim == RingDescriptor.CLAIMING || claim == head + 1) {
                evidence = true;
            } else if (claim > 0 && claim - 1 < head) {
                header.compareAndSetLong(claimWord, claim, 0); // finished and read before it died
            }
        }
        return evidence;
    }

    /** On the receive's drain: skips the record the stuck check judged left by the dead, if it still is. */
    private void skipStuckRecord() {
        skipDue = false;
        long h = ring.head();
        long tail = ring.tail(); // before the check: a claim made after it lies at or past this
        if (h != skipAt || !skippable(h, tail)) {
            return;
        }
        int index = indexOf(h);
        int length = records.getIntVolatile(index);
        if (length < 0) {
            view.unblock(); // turns exactly this record into padding
        } else {
            // zeroes: a claim (or padding) a dead producer made and never wrote, or records a dead
            // consumer cleared; covered with padding up to the next record, no further than the
            // tail seen before the check nor the ring's end
            int limit = (int) Math.min(index + (tail - h), ring.capacity);
            int end = index + RecordDescriptor.ALIGNMENT;
            while (end < limit && records.getIntVolatile(end) == 0) {
                end += RecordDescriptor.ALIGNMENT;
            }
            records.putInt(RecordDescriptor.typeOffset(index), RingDescriptor.PADDING_TYPE);
            records.putIntRelease(RecordDescriptor.lengthOffset(index), end - index);
            previousConsumerDied = false;
        }
        for (int i = 0; i < RingDescriptor.PRODUCER_SLOTS; i++) {
            int claimWord = RingDescriptor.claimOffset(i);
            if (!ring.holdsSlot(i) && header.getLongVolatile(claimWord) == h + 1
                    && !ring.segment.lockedElsewhere(RingDescriptor.producerSlotOffset(i))) {
                header.compareAndSetLong(claimWord, h + 1, 0);
            }
        }
        ring.skipped.incrementAndGet();
        LOG.warn(ring.description + ": skipped the unfinished record at position " + h
                + ", left by a process that died before it finished with it");
    }
}
