package io.interflux.shm;

import io.interflux.FrameTooLargeException;
import io.interflux.internal.drain.Doorbell;
import io.interflux.internal.drain.MessageSink;
import io.interflux.internal.drain.WorkBudget;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import reactor.core.Disposable;

import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;

/**
 * The producing side of one opening of a ring: its producer slot, its records written with the
 * claim in flight published in the slot's claim word ({@link RingDescriptor#claimOffset(int)}),
 * and the sleep on the space doorbell while the ring is full.
 */
final class RingProducer {

    /** How often a send waiting for space looks whether anybody still consumes. */
    static final long CONSUMER_CHECK_MILLIS = 200;

    private final SharedRing ring;
    private final UnsafeBuffer header;
    private final UnsafeBuffer records;
    private final RingBuffer writer;
    private final int mask;
    /** The slots this opening holds, a bit each; guarded by this for changes, read by the consumer. */
    private volatile long held;
    /** With {@link Producers#ONE}: the one slot, taken once, shared by the opening's writes (one at a time). */
    private int shared = -1;

    RingProducer(SharedRing ring) {
        this.ring = ring;
        this.header = ring.segment.header;
        this.records = ring.segment.ring;
        this.writer = ring.segment.producers == Producers.ONE ? new OneToOneRingBuffer(records)
                : new ManyToOneRingBuffer(records);
        this.mask = ring.capacity - 1;
    }

    /** Whether this opening holds producer slot {@code i} (its writes are alive, whatever its lock says). */
    boolean holds(int i) {
        return (held & (1L << i)) != 0;
    }

    /**
     * A slot for one writer (a send, an emitter), whose claim word only it uses: with
     * {@link Producers#MANY} a slot of its own, given back by {@link #release(int)} when it ends;
     * with {@link Producers#ONE} the ring's only slot, taken once for the opening, whose writers
     * take turns. A slot is free when its lock can be had and its claim word is clear (one a dead
     * producer left with a claim in flight waits for the consumer to see to it). Inside the
     * lifecycle.
     */
    synchronized int acquire() {
        if (ring.segment.producers == Producers.ONE && shared >= 0) {
            return shared;
        }
        int slots = ring.segment.producers == Producers.ONE ? 1 : RingDescriptor.PRODUCER_SLOTS;
        for (int i = 0; i < slots; i++) {
            int offset = RingDescriptor.producerSlotOffset(i);
            // the lock is per open file: this opening would get it again, so look at ours first
            if (holds(i) || !ring.segment.tryLock(offset)) {
                continue;
            }
            if (header.getLongVolatile(RingDescriptor.claimOffset(i)) != 0) {
                ring.segment.unlock(offset);
                continue;
            }
            header.putIntVolatile(offset, ring.pid);
            held |= 1L << i;
            if (ring.segment.producers == Producers.ONE) {
                shared = i;
            }
            return i;
        }
        if (ring.segment.producers == Producers.ONE) {
            throw new IllegalStateException(ring.description + " takes one producer (Producers.ONE), and pid "
                    + header.getIntVolatile(RingDescriptor.producerSlotOffset(0)) + " is it, or died in the middle"
                    + " of a write its consumer has not skipped yet");
        }
        throw new IllegalStateException(ring.description + " has all " + RingDescriptor.PRODUCER_SLOTS
                + " producer slots taken: at most that many sends and emitters write at once, in all processes");
    }

    /** A writer of {@link Producers#MANY} has ended: its slot goes back (nothing of it is in flight). */
    synchronized void release(int slot) {
        if (ring.segment.producers == Producers.ONE || !holds(slot)) {
            return;
        }
        int offset = RingDescriptor.producerSlotOffset(slot);
        header.compareAndSetInt(offset, ring.pid, 0);
        ring.segment.unlock(offset);
        held &= ~(1L << slot);
    }

    /** On dispose: every slot still held goes back. */
    synchronized void releaseAll() {
        for (int i = 0; i < RingDescriptor.PRODUCER_SLOTS; i++) {
            if (holds(i)) {
                header.compareAndSetInt(RingDescriptor.producerSlotOffset(i), ring.pid, 0);
            }
        }
        held = 0;
    }

    /**
     * One record, or {@code false} when the ring lacks room for it. The claim in flight is
     * published first (about to claim, then the record's position), so a consumer that finds
     * this process dead in the middle of it knows which record to skip.
     */
    private boolean write(int claimWord, int type, byte[] payload) {
        header.putLongRelease(claimWord, RingDescriptor.CLAIMING);
        int index = writer.tryClaim(type, payload.length);
        if (index < 0) {
            header.putLongRelease(claimWord, 0);
            return false;
        }
        // our unfinished record holds the head back, so the tail is less than a lap past it
        long tail = ring.tail();
        int recordIndex = index - RecordDescriptor.HEADER_LENGTH;
        long behind = ((tail & mask) - recordIndex) & mask;
        header.putLongRelease(claimWord, tail - (behind == 0 ? ring.capacity : behind) + 1);
        records.putBytes(index, payload);
        writer.commit(index);
        header.putLongRelease(claimWord, 0);
        ring.spec.metrics.bytesSent(payload.length);
        return true;
    }

    private boolean consumerAttached() {
        return ring.consuming.get() || ring.segment.lockedElsewhere(RingDescriptor.CONSUMER_PID_OFFSET);
    }

    /** Writes one send's (or an emitter's) records, through the slot it was given. */
    final class Sender implements MessageSink<RingMessage> {
        private final int slot;
        private final int claimWord;
        /** An emitter's: no flush follows its writes, so each one fences before it looks for a sleeping consumer. */
        private final boolean fenceEach;
        private final boolean guarded;
        private int writing;
        long headAtRefusal;
        volatile RuntimeException failure;

        Sender(int slot, boolean fenceEach, boolean guarded) {
            this.slot = slot;
            this.claimWord = RingDescriptor.claimOffset(slot);
            this.fenceEach = fenceEach;
            this.guarded = guarded;
        }

        @Override
        public boolean offer(RingMessage message, WorkBudget budget) {
            RuntimeException f = failure;
            if (f != null) {
                throw f;
            }
            byte[] payload = message.bytes();
            if (payload.length > ring.maxMessageSize()) {
                throw new FrameTooLargeException("record (capacity / 8)", ring.description, ring.maxMessageSize(),
                        payload.length);
            }
            if ((writing & (RingConsumer.RECORDS_PER_CALL - 1)) == 0 && !budget.spend()) {
                return false;
            }
            if (!write(claimWord, message.type(), payload)) {
                // read after the refusal, not before every write (the head's line is the consumer's):
                // a head that moved in between is missed by the sleeper, but not the space it freed,
                // since the consumer rings "space wanted" at the latest when it next sleeps
                headAtRefusal = ring.head();
                return false;
            }
            writing++;
            if (fenceEach) {
                VarHandle.fullFence();
            }
            ring.ringConsumerIfSleeping();
            return true;
        }

        @Override
        public boolean flush(WorkBudget budget) {
            // the publisher has nothing more for now: a consumer that went to sleep while we
            // wrote (and looked without a fence) must hear of our records
            VarHandle.fullFence();
            ring.ringConsumerIfSleeping();
            return true;
        }

        @Override
        public void released(boolean early) {
            if (writing > 0) {
                // a send that ends early (an oversize message, cancel) flushes nothing
                VarHandle.fullFence();
                ring.ringConsumerIfSleeping();
            }
            if (guarded) {
                ring.producing.set(false);
            }
            release(slot);
        }
    }

    /** Sleeps on the space doorbell; while asleep, looks on a timer whether anybody consumes. */
    final class SpaceSleeper implements Doorbell.Sleeper {
        private final Sender sender;
        private volatile Disposable check;
        /** Between a sleep and its wake-up: the check runs only then. */
        private volatile boolean asleep;
        private long noConsumerSince;

        SpaceSleeper(Sender sender) {
            this.sender = sender;
        }

        @Override
        public boolean sleepUnlessReady() {
            if (sender.failure != null) {
                return true;
            }
            header.putIntVolatile(RingDescriptor.SPACE_WANTED_OFFSET, 1);
            // the records we wrote were announced without a fence: a consumer asleep on them wakes now
            ring.ringConsumerIfSleeping();
            if (ring.head() != sender.headAtRefusal) {
                return true;
            }
            asleep = true;
            check = ring.timer.schedule(this::checkConsumer, CONSUMER_CHECK_MILLIS, TimeUnit.MILLISECONDS);
            return false;
        }

        @Override
        public void woken() {
            asleep = false;
            noConsumerSince = 0; // the consumer made room: the wait for one starts over
            Disposable c = check;
            if (c != null) {
                c.dispose();
            }
        }

        private void checkConsumer() {
            if (!asleep || !ring.lifecycle.enter()) {
                return;
            }
            boolean wake = false;
            try {
                if (ring.head() != sender.headAtRefusal) {
                    wake = true;
                } else if (consumerAttached()) {
                    noConsumerSince = 0;
                } else {
                    long now = System.nanoTime();
                    if (noConsumerSince == 0) {
                        noConsumerSince = now;
                    } else if (now - noConsumerSince >= ring.spec.consumerTimeout.toNanos()) {
                        sender.failure = new NoConsumerException(ring.description,
                                TimeUnit.NANOSECONDS.toMillis(now - noConsumerSince) + CONSUMER_CHECK_MILLIS);
                        wake = true;
                    }
                }
                if (!wake && asleep) {
                    check = ring.timer.schedule(this::checkConsumer, CONSUMER_CHECK_MILLIS, TimeUnit.MILLISECONDS);
                }
            } finally {
                if (wake) {
                    ring.space.wakeAll();
                }
                ring.lifecycle.exit();
            }
        }
    }
}
