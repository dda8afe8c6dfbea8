package io.interflux.shm;

import io.interflux.Codec;
import io.interflux.DisposedException;
import io.interflux.Emitter;
import io.interflux.EventLoop;
import io.interflux.FrameTooLargeException;
import io.interflux.IpcResource;
import io.interflux.internal.Native;
import io.interflux.internal.Spi;
import io.interflux.internal.drain.Doorbell;
import io.interflux.internal.drain.Lifecycle;
import io.interflux.internal.drain.MessageReceive;
import io.interflux.internal.drain.MessageSend;
import io.interflux.internal.drain.MessageSink;
import io.interflux.internal.drain.MessageBatchSource;
import io.interflux.internal.drain.SinkEmitter;
import io.interflux.internal.drain.SpinningReadiness;
import io.interflux.internal.drain.WorkBudget;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;
import reactor.util.Logger;
import reactor.util.Loggers;

import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * A ring of whole messages in shared memory, between one consuming process and one or many
 * producing processes: Agrona's ring buffers over a segment every party maps (a POSIX
 * shared-memory object in {@code /dev/shm}, or a file), laid out as {@link RingLayout} describes.
 *
 * <p>Records move at memory speed: no system call per message while both sides are busy. A side
 * that finds nothing to do spins for up to {@link SharedRingSpec#spin(Duration) 50 µs} (adaptive) and then sleeps on
 * the event loop, on a doorbell FIFO next to the segment, after saying so in the header; the
 * other side rings only then. An idle subscribed consumer therefore costs no CPU.
 *
 * <p>Backpressure reaches the other process: {@link #receive()} takes records only for
 * outstanding demand, so without demand the ring fills and producers are held back;
 * {@link #send(Publisher)} writes while there is space and then sleeps on the space doorbell.
 *
 * <p>Roles are claimed when used: the process that subscribes to {@link #receive()} is the ring's
 * consumer until that subscription ends (one at a time, across all processes); the first
 * {@link #send(Publisher)} or {@link #emitter()} takes a producer slot until dispose. Each claim is
 * an open-file-description lock on a byte of the segment, which the kernel drops when its holder
 * dies; that is how a consumer notices a producer killed in the middle of a write (see
 * {@link #receive()}), and how a producer notices that nobody consumes.
 *
 * <p>Every JVM that maps a ring needs {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}
 * (Agrona 2 reaches {@code jdk.internal.misc.Unsafe}); without it {@link SharedRingSpec#open()}
 * fails saying so.
 *
 * <pre>{@code
 * SharedRing ring = SharedRing.named("/prices").openNow(Duration.ofSeconds(5));
 * ring.receive(Codec.utf8()).subscribe(System.out::println);      // in one process
 * ring.send(Flux.just("a", "b"), Codec.utf8()).block();           // in another, or the same
 * ring.dispose(); // unmaps; removes the segment and doorbells if this opening created them
 * }</pre>
 */
public final class SharedRing implements IpcResource {

    private static final Logger LOG = Loggers.getLogger(SharedRing.class);

    /** Records a send requests ahead of what the ring has taken. */
    static final int SEND_PREFETCH = 256;
    /** Records that count as one kernel call of the drain's work budget: a record costs far less than a call. */
    static final int RECORDS_PER_CALL = 32;
    static final Duration ATTACH_RETRY = Duration.ofMillis(10);
    /** How long a receive waits for an ending receive of this process to let go of the consumer claim: 20 x 5 ms. */
    static final int CLAIM_RETRIES = 20;
    static final Duration CLAIM_RETRY = Duration.ofMillis(5);
    /** How often a consumer stuck behind an unfinished record looks for its producer's death. */
    static final long BLOCKED_CHECK_MILLIS = 100;
    /** How long the head must stay stuck behind an unfinished record of a dead producer before it is skipped. */
    static final long DEAD_PRODUCER_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How often a send waiting for space looks whether anybody still consumes. */
    static final long CONSUMER_CHECK_MILLIS = 200;

    private final SharedRingSpec spec;
    private final Segment segment;
    private final String description;
    private final Lifecycle lifecycle;
    private final UnsafeBuffer header;
    private final UnsafeBuffer records;
    private final int capacity;
    private final int maxPayload;
    private final int headIndex;
    private final int tailIndex;
    /** The consumer's view: reads, and skips a dead producer's record ({@code unblock}). */
    private final ManyToOneRingBuffer consumerRing;
    private final RingBuffer producerRing;
    private final Doorbell bell;
    private final Doorbell space;
    private final Scheduler timer = Schedulers.parallel();
    private final int pid = Native.libc().getpid();
    private final long oneByte;
    private final long scratch;
    private final int scratchSize = 64;
    private final ByteBuffer buffers;
    private final AtomicBoolean consuming = new AtomicBoolean();
    /** With {@link Producers#ONE}: one send or emission at a time in this process. */
    private final AtomicBoolean producing = new AtomicBoolean();
    private final AtomicLong skipped = new AtomicLong();
    /** The producer slot this opening holds, -1 before its first send; guarded by this. */
    private int producerSlot = -1;
    /** The consumer's record of a head stuck behind an unfinished record; guarded by this. */
    private long stuckHead = -1;
    private long stuckSince;
    private boolean blockedCheckPending;
    /** Set by the blocked check, acted on by the receive's own drain. */
    private volatile boolean unblockDue;
    private volatile long stuckHeadForLog;

    private SharedRing(SharedRingSpec spec, Segment segment, EventLoop loop) {
        this.spec = spec;
        this.segment = segment;
        this.description = "shared ring " + (spec.name != null ? spec.name : spec.path.toString());
        this.header = segment.header;
        this.records = segment.ring;
        this.capacity = segment.capacity;
        this.maxPayload = RingLayout.maxPayload(capacity);
        this.headIndex = capacity + RingBufferDescriptor.HEAD_POSITION_OFFSET;
        this.tailIndex = capacity + RingBufferDescriptor.TAIL_POSITION_OFFSET;
        this.consumerRing = new ManyToOneRingBuffer(records);
        this.producerRing = segment.producers == Producers.ONE ? new OneToOneRingBuffer(records) : consumerRing;
        this.buffers = ByteBuffer.allocateDirect(2 * scratchSize);
        this.oneByte = Native.address(buffers);
        this.scratch = oneByte + scratchSize;
        buffers.put(0, (byte) 1);
        this.lifecycle = new Lifecycle(description, this::release);
        io.interflux.internal.Poller poller = Spi.poller(loop);
        this.bell = new Doorbell(poller, lifecycle, segment.bellFd, true);
        this.space = new Doorbell(poller, lifecycle, segment.spaceFd, false);
    }

    /** A spec for the POSIX shared-memory object {@code name}: {@code "/prices"}, the segment {@code /dev/shm/prices}. */
    public static SharedRingSpec named(String name) {
        return new SharedRingSpec(SharedRingSpec.validateName(name), Paths.get("/dev/shm", name.substring(1)));
    }

    /** A spec for a ring in the file {@code path} (on a tmpfs for memory speed), its doorbells next to it. */
    public static SharedRingSpec file(Path path) {
        return new SharedRingSpec(null, SharedRingSpec.validatePath(path));
    }

    static SharedRing open(SharedRingSpec spec) {
        requireAgrona();
        String description = "shared ring " + (spec.name != null ? spec.name : spec.path.toString());
        Segment segment = Segment.open(spec, description);
        try {
            return new SharedRing(spec, segment, spec.loop == null ? EventLoop.shared() : spec.loop);
        } catch (RuntimeException e) {
            segment.close(true);
            throw e;
        }
    }

    private static void requireAgrona() {
        try {
            new UnsafeBuffer(new byte[8]).getLong(0);
        } catch (IllegalAccessError | ExceptionInInitializerError | NoClassDefFoundError e) {
            throw new IllegalStateException("shared rings need the JVM flag"
                    + " --add-exports java.base/jdk.internal.misc=ALL-UNNAMED (Agrona 2 uses jdk.internal.misc.Unsafe)", e);
        }
    }

    /** The POSIX name, {@code "/prices"}, or {@code null} for a ring in a file of one's choosing. */
    public String name() {
        return spec.name;
    }

    /** The segment's file; its doorbells are this path with {@code .bell} and {@code .space} appended. */
    public Path path() {
        return spec.path;
    }

    /** Whether this opening created the segment (and so removes it on dispose, if the spec says so). */
    public boolean created() {
        return segment.created;
    }

    /** Bytes of records the ring holds. */
    public int capacity() {
        return capacity;
    }

    /** The largest payload a record may carry: an eighth of the capacity. */
    public int maxMessageSize() {
        return maxPayload;
    }

    /** How many processes may write into the ring, as it was created. */
    public Producers producers() {
        return segment.producers;
    }

    /**
     * How many unfinished records of dead producers this process's receives have skipped: each
     * is at most one message (of at most {@link #maxMessageSize()} bytes) lost.
     */
    public long skippedRecords() {
        return skipped.get();
    }

    // ---- receive ------------------------------------------------------------------------

    /**
     * The ring's records, in the order producers committed their claims. A record is taken only
     * for outstanding demand: without demand records stay in the ring and producers are held
     * back once it is full. An empty ring is waited for on the event loop, after a short
     * adaptive spin, with no thread and no CPU. The flux completes when the ring is disposed.
     *
     * <p>One receive at a time, across all processes: a second one fails with
     * {@link IllegalStateException} naming the consumer's pid (within this process, after
     * waiting up to 100 ms on a timer for the other receive to end, as one that a
     * {@code take(n)} has just completed does). When a producer died in the middle
     * of a write, the head stays stuck behind its unfinished record; the receive looks for dead
     * producers every {@value #BLOCKED_CHECK_MILLIS} ms while stuck (a producer whose pid is in its
     * slot but whose lock is gone; the tail position at that moment bounds what it may have left).
     * Once the head has not moved for a second, and a dead producer had claimed space beyond it,
     * the record is skipped (Agrona's {@code unblock}) and the receive goes on: at most one
     * message lost per dead producer, within about 1.1 s of its death, counted by
     * {@link #skippedRecords()} and logged. A live producer paused mid-write (stopped, in a long
     * GC pause) is waited for as long as it takes, unless a producer that claimed space after it
     * dies meanwhile: then the paused one's record may be taken for the dead one's.
     */
    public Flux<RingMessage> receive() {
        return receive((type, payload) -> RingMessage.received(payload, type));
    }

    /**
     * The payloads of {@link #receive()} decoded by {@code codec}, each straight from its record
     * (no {@link RingMessage} in between).
     */
    public <T> Flux<T> receive(Codec<T> codec) {
        Objects.requireNonNull(codec, "codec");
        return receive((type, payload) -> codec.decode(payload));
    }

    private <T> Flux<T> receive(RecordDecoder<T> decoder) {
        // a receive of this process that is ending (a take(n) that cancelled it from onNext has
        // completed downstream already) lets go of the claim on its drain's next step: a
        // receive subscribed right then waits a moment for it, on a timer
        // (the claim and the subscription that releases it are made in one step: no cancel between)
        return Flux.defer(() -> {
            claimConsumer();
            return new MessageReceive<T>(description, lifecycle, () -> new Receiver<>(decoder),
                    source -> new SpinningReadiness(bell.waiter(new ConsumerSleeper()), spec.spinNanos));
        }).retryWhen(Retry.fixedDelay(CLAIM_RETRIES, CLAIM_RETRY).filter(e -> e instanceof ClaimedHere)
                .onRetryExhaustedThrow((retry, signal) -> signal.failure()));
    }

    /** Another receive of this process holds the consumer claim. */
    private static final class ClaimedHere extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        ClaimedHere(String message) {
            super(message);
        }
    }

    private void claimConsumer() {
        if (!lifecycle.enter()) {
            throw new DisposedException(description);
        }
        try {
            claimConsumerEntered();
        } finally {
            lifecycle.exit();
        }
    }

    private void claimConsumerEntered() {
        if (!consuming.compareAndSet(false, true)) {
            throw new ClaimedHere(description + " has a receive running already in this process:"
                    + " a ring has one consumer at a time");
        }
        if (!segment.tryLock(RingLayout.CONSUMER_PID_OFFSET)) {
            consuming.set(false);
            throw new IllegalStateException(description + " has a consumer already, pid "
                    + header.getIntVolatile(RingLayout.CONSUMER_PID_OFFSET) + ": a ring has one consumer at a time");
        }
        header.putIntVolatile(RingLayout.CONSUMER_PID_OFFSET, pid);
    }

    private void releaseConsumer() {
        // once disposed the segment may be unmapped already (a receive refused by the disposed
        // lifecycle); its lock goes with the descriptor then
        if (lifecycle.enter()) {
            try {
                header.compareAndSetInt(RingLayout.CONSUMER_PID_OFFSET, pid, 0);
                header.putIntRelease(RingLayout.CONSUMER_SLEEPING_OFFSET, 0);
                segment.unlock(RingLayout.CONSUMER_PID_OFFSET);
            } finally {
                lifecycle.exit();
            }
        }
        consuming.set(false);
    }

    private long head() {
        return records.getLongVolatile(headIndex);
    }

    private boolean nextRecordCommitted() {
        return records.getIntVolatile((int) head() & (capacity - 1)) > 0;
    }

    /** Records were claimed past the head, but the one at the head is not finished. */
    private boolean stuck() {
        long h = head();
        return records.getLongVolatile(tailIndex) != h && records.getIntVolatile((int) h & (capacity - 1)) <= 0;
    }

    /** After the consumer freed space (and a full fence): wakes the producers that sleep for it. */
    private void ringSpaceIfWanted() {
        if (header.getIntVolatile(RingLayout.SPACE_WANTED_OFFSET) != 0
                && header.compareAndSetInt(RingLayout.SPACE_WANTED_OFFSET, 1, 0)) {
            // empty first: every sleeper, in every process, sees this ring as a new edge
            while (Native.libc().read(segment.spaceFd, scratch, scratchSize) > 0) {
                // a ring carries no data
            }
            Native.libc().write(segment.spaceFd, oneByte, 1);
        }
    }

    /** After a producer published (and, at least before it waits or goes idle, a full fence): wakes a sleeping consumer. */
    private void ringConsumerIfSleeping() {
        if (header.getIntVolatile(RingLayout.CONSUMER_SLEEPING_OFFSET) != 0
                && header.compareAndSetInt(RingLayout.CONSUMER_SLEEPING_OFFSET, 1, 0)) {
            Native.libc().write(segment.bellFd, oneByte, 1);
        }
    }

    /**
     * Takes records for one receive, a run at a time (one head store, one fence for all of them),
     * turning each into a value; the consumer claim is its until it ends.
     */
    private final class Receiver<T> implements MessageBatchSource<T>, ControlledMessageHandler {
        private final RecordDecoder<T> decoder;
        private Predicate<? super T> sink;
        private int taken;
        private T single;

        Receiver(RecordDecoder<T> decoder) {
            this.decoder = decoder;
        }

        @Override
        public int take(WorkBudget budget, long max, Predicate<? super T> sink) {
            if (!budget.spend()) {
                return 0;
            }
            this.sink = sink;
            this.taken = 0;
            int limit = (int) Math.min(max, RECORDS_PER_CALL);
            // a second read when the first met only the padding to the ring's end
            if (consumerRing.controlledRead(this, limit) == 0 && taken == 0
                    && consumerRing.controlledRead(this, limit) == 0 && taken == 0 && unblockDue) {
                unblock();
                consumerRing.controlledRead(this, limit);
            }
            this.sink = null;
            if (taken > 0) {
                VarHandle.fullFence(); // the head moved: a producer that says it waits must see it
                ringSpaceIfWanted();
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

        @Override
        public Action onMessage(int type, MutableDirectBuffer buffer, int index, int length) {
            byte[] payload = new byte[length];
            buffer.getBytes(index, payload);
            taken++;
            return sink.test(decoder.decode(type, payload)) ? Action.CONTINUE : Action.BREAK;
        }

        @Override
        public void released() {
            releaseConsumer();
        }
    }

    /** What a receive makes of a record. */
    @FunctionalInterface
    private interface RecordDecoder<T> {
        T decode(int type, byte[] payload);
    }

    /** The receive's drain, skipping a dead producer's unfinished record. */
    private void unblock() {
        unblockDue = false;
        if (deadProducerBeyond(head()) && consumerRing.unblock()) {
            skipped.incrementAndGet();
            LOG.warn(description + ": skipped an unfinished record at position " + stuckHeadForLog
                    + ", left by a producer that died before it finished writing it");
        }
    }

    /**
     * Whether a producer found dead had claimed space up to beyond {@code head}: only then may
     * the record stuck at the head be one it left unfinished. Positions the head has passed are
     * cleared on the way: what they covered is read.
     */
    private boolean deadProducerBeyond(long head) {
        boolean beyond = false;
        for (int i = 0; i < RingLayout.PRODUCER_SLOTS; i++) {
            int offset = RingLayout.deathPositionOffset(i);
            long position = header.getLongVolatile(offset);
            if (position == 0) {
                continue;
            }
            if (position > head) {
                beyond = true;
            } else {
                header.compareAndSetLong(offset, position, 0);
            }
        }
        return beyond;
    }

    /** Slot {@code slot}'s producer is gone without detaching: what it may have left lies before the tail now. */
    private void recordDeath(int slot) {
        int offset = RingLayout.deathPositionOffset(slot);
        long tail = records.getLongVolatile(tailIndex);
        for (long seen = header.getLongVolatile(offset); seen < tail; seen = header.getLongVolatile(offset)) {
            if (header.compareAndSetLong(offset, seen, tail)) {
                return;
            }
        }
    }

    /** Sleeps on the consumer's doorbell; while stuck behind an unfinished record, looks for a dead producer on a timer. */
    private final class ConsumerSleeper implements Doorbell.Sleeper {
        @Override
        public boolean sleepUnlessReady() {
            header.putIntVolatile(RingLayout.CONSUMER_SLEEPING_OFFSET, 1);
            if (nextRecordCommitted()) {
                header.putIntRelease(RingLayout.CONSUMER_SLEEPING_OFFSET, 0);
                return true;
            }
            ringSpaceIfWanted();
            if (stuck()) {
                scheduleBlockedCheck();
            }
            return false;
        }

        @Override
        public void woken() {
            header.putIntRelease(RingLayout.CONSUMER_SLEEPING_OFFSET, 0);
        }
    }

    private synchronized void scheduleBlockedCheck() {
        if (!blockedCheckPending) {
            blockedCheckPending = true;
            timer.schedule(this::checkBlocked, BLOCKED_CHECK_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** On the timer: the head is stuck; is its producer dead? */
    private void checkBlocked() {
        if (!lifecycle.enter()) {
            return;
        }
        boolean wake = false;
        try {
            synchronized (this) {
                blockedCheckPending = false;
                if (!consuming.get()) {
                    return;
                }
                if (!stuck()) {
                    stuckHead = -1;
                    wake = true; // finished meanwhile; its producer rings too, this costs nothing
                    return;
                }
                reapDeadProducers();
                long h = head();
                long now = System.nanoTime();
                if (h != stuckHead) {
                    stuckHead = h;
                    stuckSince = now;
                } else if (now - stuckSince >= DEAD_PRODUCER_NANOS && deadProducerBeyond(h)) {
                    stuckHeadForLog = h;
                    unblockDue = true;
                    stuckHead = -1;
                    wake = true;
                }
            }
            if (!wake) {
                scheduleBlockedCheck();
            }
        } finally {
            if (wake) {
                bell.wakeAll();
            }
            lifecycle.exit();
        }
    }

    /** Frees the slots of producers whose lock is gone, noting how far each may have left a record unfinished. */
    private void reapDeadProducers() {
        for (int i = 0; i < RingLayout.PRODUCER_SLOTS; i++) {
            int offset = RingLayout.producerSlotOffset(i);
            int holder = header.getIntVolatile(offset);
            if (holder != 0 && i != producerSlot && !segment.lockedElsewhere(offset)
                    && header.compareAndSetInt(offset, holder, 0)) {
                recordDeath(i);
                LOG.warn(description + ": producer pid " + holder + " is gone without detaching");
            }
        }
    }

    // ---- send ---------------------------------------------------------------------------

    /**
     * Writes every message of {@code messages} into the ring and completes when the last one is
     * in. A full ring holds the publisher back: the send spins briefly, then sleeps on the space
     * doorbell until the consumer frees space, and only then requests more; nothing is dropped.
     * While it waits it looks every {@value #CONSUMER_CHECK_MILLIS} ms whether a consumer is
     * attached, and fails with {@link NoConsumerException} once none has been for the spec's
     * {@link SharedRingSpec#consumerTimeout(Duration) consumer timeout}. A message larger than
     * {@link #maxMessageSize()} fails the send with {@link FrameTooLargeException} before it
     * reaches the ring; those before it are in.
     *
     * <p>The first send (or emitter) takes one of the ring's producer slots for this opening,
     * until dispose; with {@link Producers#ONE} there is one slot, and one send at a time. Lazy:
     * nothing happens until subscribed.
     */
    public Mono<Void> send(Publisher<? extends RingMessage> messages) {
        Objects.requireNonNull(messages, "messages");
        return Mono.defer(() -> {
            if (!lifecycle.enter()) {
                return Mono.error(new DisposedException(description));
            }
            try {
                claimProducerSlot();
            } catch (RuntimeException e) {
                return Mono.error(e);
            } finally {
                lifecycle.exit();
            }
            boolean guarded = segment.producers == Producers.ONE;
            if (guarded && !producing.compareAndSet(false, true)) {
                return Mono.error(new IllegalStateException(description + " takes one producer, writing one send"
                        + " (or emission) at a time, and another is running"));
            }
            return new MessageSend<RingMessage>(description, lifecycle, messages, () -> new Sender(false, guarded),
                    sink -> new SpinningReadiness(space.waiter(new SpaceSleeper((Sender) sink)), spec.spinNanos),
                    SEND_PREFETCH);
        });
    }

    /** Sends values encoded by {@code codec}, all of type {@value RingMessage#DEFAULT_TYPE}. See {@link #send(Publisher)}. */
    public <T> Mono<Void> send(Publisher<? extends T> values, Codec<T> codec) {
        return send(values, codec, v -> RingMessage.DEFAULT_TYPE);
    }

    /** Sends values encoded by {@code codec}, each of the type {@code type} gives it (> 0). */
    public <T> Mono<Void> send(Publisher<? extends T> values, Codec<T> codec, ToIntFunction<? super T> type) {
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(type, "type");
        return send(Flux.<T>from(values).map(v -> RingMessage.of(v, codec, type.applyAsInt(v))));
    }

    /**
     * An emitter into the ring: {@link Emitter#tryEmitNext(Object)} writes one record without
     * blocking: {@code OK} when it is in, {@code FAIL_OVERFLOW} when the ring has no room for it
     * and nothing was written, {@code FAIL_TERMINATED} once disposed, {@code FAIL_NON_SERIALIZED}
     * for concurrent emissions on one emitter (or, with {@link Producers#ONE}, while a send
     * runs). A message over {@link #maxMessageSize()} throws {@link FrameTooLargeException}.
     * Takes a producer slot like a send; fails with {@link IllegalStateException} when none is free.
     */
    public Emitter<RingMessage> emitter() {
        if (!lifecycle.enter()) {
            throw new DisposedException(description);
        }
        try {
            claimProducerSlot();
        } finally {
            lifecycle.exit();
        }
        Emitter<RingMessage> emitter = new SinkEmitter<>(description, lifecycle, new Sender(true, false));
        if (segment.producers != Producers.ONE) {
            return emitter;
        }
        return new Emitter<RingMessage>() {
            @Override
            public Sinks.EmitResult tryEmitNext(RingMessage message) {
                if (!producing.compareAndSet(false, true)) {
                    return Sinks.EmitResult.FAIL_NON_SERIALIZED;
                }
                try {
                    return emitter.tryEmitNext(message);
                } finally {
                    producing.set(false);
                }
            }

            @Override
            public String describe() {
                return emitter.describe();
            }
        };
    }

    /** An emitter of values encoded by {@code codec}, all of {@code type}; see {@link #emitter()}. */
    public <T> Emitter<T> emitter(Codec<T> codec, int type) {
        Objects.requireNonNull(codec, "codec");
        return SinkEmitter.mapped(emitter(), v -> RingMessage.of(v, codec, type));
    }

    private synchronized void claimProducerSlot() {
        if (producerSlot >= 0) {
            return;
        }
        int slots = segment.producers == Producers.ONE ? 1 : RingLayout.PRODUCER_SLOTS;
        for (int i = 0; i < slots; i++) {
            int offset = RingLayout.producerSlotOffset(i);
            if (segment.tryLock(offset)) {
                int stale = header.getIntVolatile(offset);
                // a holder that died without detaching, not yet noticed by a consumer: its
                // unfinished record, if any, may be skipped
                if (stale != 0 && header.compareAndSetInt(offset, stale, pid)) {
                    recordDeath(i);
                } else {
                    header.putIntVolatile(offset, pid);
                }
                producerSlot = i;
                return;
            }
        }
        if (segment.producers == Producers.ONE) {
            throw new IllegalStateException(description + " takes one producer (Producers.ONE), and pid "
                    + header.getIntVolatile(RingLayout.producerSlotOffset(0)) + " is it");
        }
        throw new IllegalStateException(description + " has all " + RingLayout.PRODUCER_SLOTS
                + " producer slots taken");
    }

    private boolean consumerAttached() {
        return consuming.get() || segment.lockedElsewhere(RingLayout.CONSUMER_PID_OFFSET);
    }

    /** Writes one send's (or an emitter's) records. */
    private final class Sender implements MessageSink<RingMessage> {
        private final UnsafeBuffer source = new UnsafeBuffer(new byte[0]);
        /** An emitter's: no flush follows its writes, so each one fences before it looks for a sleeping consumer. */
        private final boolean fenceEach;
        private final boolean guarded;
        private int writing;
        long headAtRefusal;
        volatile RuntimeException failure;

        Sender(boolean fenceEach, boolean guarded) {
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
            if (payload.length > maxPayload) {
                throw new FrameTooLargeException("record (capacity / 8)", description, maxPayload, payload.length);
            }
            if ((writing & (RECORDS_PER_CALL - 1)) == 0 && !budget.spend()) {
                return false;
            }
            source.wrap(payload);
            if (!producerRing.write(message.type(), source, 0, payload.length)) {
                headAtRefusal = head();
                return false;
            }
            writing++;
            if (fenceEach) {
                VarHandle.fullFence();
            }
            ringConsumerIfSleeping();
            return true;
        }

        @Override
        public boolean flush(WorkBudget budget) {
            // the publisher has nothing more for now: a consumer that went to sleep while we
            // wrote (and looked without a fence) must hear of our records
            VarHandle.fullFence();
            ringConsumerIfSleeping();
            return true;
        }

        @Override
        public void released(boolean early) {
            if (guarded) {
                producing.set(false);
            }
        }
    }

    /** Sleeps on the space doorbell; while asleep, looks on a timer whether anybody consumes. */
    private final class SpaceSleeper implements Doorbell.Sleeper {
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
            header.putIntVolatile(RingLayout.SPACE_WANTED_OFFSET, 1);
            // the records we wrote were announced without a fence: a consumer asleep on them wakes now
            ringConsumerIfSleeping();
            if (head() != sender.headAtRefusal) {
                return true;
            }
            asleep = true;
            check = timer.schedule(this::checkConsumer, CONSUMER_CHECK_MILLIS, TimeUnit.MILLISECONDS);
            return false;
        }

        @Override
        public void woken() {
            asleep = false;
            Disposable c = check;
            if (c != null) {
                c.dispose();
            }
        }

        private void checkConsumer() {
            if (!asleep || !lifecycle.enter()) {
                return;
            }
            boolean wake = false;
            try {
                if (head() != sender.headAtRefusal) {
                    wake = true;
                } else if (consumerAttached()) {
                    noConsumerSince = 0;
                } else {
                    long now = System.nanoTime();
                    if (noConsumerSince == 0) {
                        noConsumerSince = now;
                    } else if (now - noConsumerSince >= spec.consumerTimeout.toNanos()) {
                        sender.failure = new NoConsumerException(description,
                                TimeUnit.NANOSECONDS.toMillis(now - noConsumerSince) + CONSUMER_CHECK_MILLIS);
                        wake = true;
                    }
                }
                if (!wake && asleep) {
                    check = timer.schedule(this::checkConsumer, CONSUMER_CHECK_MILLIS, TimeUnit.MILLISECONDS);
                }
            } finally {
                if (wake) {
                    space.wakeAll();
                }
                lifecycle.exit();
            }
        }
    }

    // ---- lifecycle ----------------------------------------------------------------------

    /**
     * Ends the running receive (it completes) and sends (they fail with
     * {@link java.util.concurrent.CancellationException}), then gives up this opening's producer
     * slot, unmaps the segment ({@code munmap}), closes its descriptors and, if this opening
     * created the ring and the spec says so, removes the segment and its doorbells. Never
     * blocks; idempotent.
     */
    @Override
    public void dispose() {
        lifecycle.dispose();
    }

    @Override
    public boolean isDisposed() {
        return lifecycle.isDisposed();
    }

    @Override
    public Mono<Void> onDispose() {
        return lifecycle.onReleased();
    }

    private void release() {
        bell.cancel();
        space.cancel();
        synchronized (this) {
            if (producerSlot >= 0) {
                header.compareAndSetInt(RingLayout.producerSlotOffset(producerSlot), pid, 0);
            }
        }
        segment.close(spec.removeOnDispose);
    }

    @Override
    public String toString() {
        return "SharedRing[" + (spec.name != null ? spec.name : spec.path) + ", capacity=" + capacity + ", producers="
                + segment.producers + "]";
    }
}
