package io.interflux.shm;

import io.interflux.Codec;
import io.interflux.DisposedException;
import io.interflux.Emitter;
import io.interflux.EventLoop;
import io.interflux.IpcResource;
import io.interflux.internal.Native;
import io.interflux.internal.Spi;
import io.interflux.internal.drain.Doorbell;
import io.interflux.internal.drain.Lifecycle;
import io.interflux.internal.drain.MessageReceive;
import io.interflux.internal.drain.MessageSend;
import io.interflux.internal.drain.SinkEmitter;
import io.interflux.internal.drain.SpinningReadiness;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;

/**
 * A ring of whole messages in shared memory, between one consuming process and one or many
 * producing processes: Agrona's ring buffers over a segment every party maps (a POSIX
 * shared-memory object in {@code /dev/shm}, or a file), laid out as {@link RingDescriptor} describes.
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

    /** What a ring is called in errors. */
    static final String KIND = "shared ring";
    /** Records a send requests ahead of what the ring has taken. */
    static final int SEND_PREFETCH = 256;
    /** How long a receive waits for an ending receive of this process to let go of the consumer claim: 20 x 5 ms. */
    static final int CLAIM_RETRIES = 20;
    static final Duration CLAIM_RETRY = Duration.ofMillis(5);

    final SharedRingSpec spec;
    final Segment segment;
    final String description;
    final Lifecycle lifecycle;
    final int capacity;
    private final int maxPayload;
    private final UnsafeBuffer header;
    private final UnsafeBuffer records;
    private final int headIndex;
    private final int tailIndex;
    final Doorbell bell;
    final Doorbell space;
    final Scheduler timer = Schedulers.parallel();
    final int pid = Native.libc().getpid();
    private final long oneByte;
    private final long scratch;
    private final int scratchSize = 64;
    private final ByteBuffer buffers;
    /** This opening's receive holds the consumer claim. */
    final AtomicBoolean consuming = new AtomicBoolean();
    /** With {@link Producers#ONE}: one send or emission at a time in this process. */
    final AtomicBoolean producing = new AtomicBoolean();
    final AtomicLong skipped = new AtomicLong();
    private final RingConsumer consumer;
    private final RingProducer producer;

    private SharedRing(SharedRingSpec spec, Segment segment, EventLoop loop) {
        this.spec = spec;
        this.segment = segment;
        this.description = segment.description;
        this.header = segment.header;
        this.records = segment.ring;
        this.capacity = segment.capacity;
        this.maxPayload = RingDescriptor.maxPayload(capacity);
        this.headIndex = capacity + RingBufferDescriptor.HEAD_POSITION_OFFSET;
        this.tailIndex = capacity + RingBufferDescriptor.TAIL_POSITION_OFFSET;
        this.buffers = ByteBuffer.allocateDirect(2 * scratchSize);
        this.oneByte = Native.address(buffers);
        this.scratch = oneByte + scratchSize;
        buffers.put(0, (byte) 1);
        this.lifecycle = new Lifecycle(description, this::release);
        io.interflux.internal.Poller poller = Spi.poller(loop);
        this.bell = new Doorbell(poller, lifecycle, segment.bellFd, true);
        this.space = new Doorbell(poller, lifecycle, segment.spaceFd, false);
        this.consumer = new RingConsumer(this);
        this.producer = new RingProducer(this);
        spec.metrics.opened();
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
        SegmentFile.requireAgrona();
        String description = "shared ring " + (spec.name != null ? spec.name : spec.path.toString());
        Segment segment = Segment.open(spec, description);
        try {
            return new SharedRing(spec, segment, spec.loop == null ? EventLoop.shared() : spec.loop);
        } catch (RuntimeException | Error e) {
            segment.close(true);
            throw e;
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
     * {@code take(n)} has just completed does).
     *
     * <p>When a process died in the middle of writing a record (or of reading some), the head
     * stays stuck behind what it left; the receive looks at the stuck head every
     * {@value RingConsumer#STUCK_CHECK_MILLIS} ms and, once it has not moved for
     * {@value RingConsumer#STUCK_MILLIS} ms, skips the record when a producer slot whose lock is
     * gone names it as its claim in flight (or was about to claim), or when the consumer before
     * this one died leaving zeroed records there; then it goes on. At most one message is lost per
     * dead producer, about 1.1 s after the receive reached it, counted by {@link #skippedRecords()}
     * and logged. A live producer paused mid-write (stopped, in a long GC pause) holds its lock
     * and is waited for as long as it takes.
     *
     * <p>Every record is checked against {@link RingDescriptor}'s layout before it is read: one
     * that no producer writes (a length shorter than the header or past the ring's end or the
     * tail, a type of 0 or below that is not padding, a head off its alignment) fails the
     * receive with {@link CorruptRingException}, after the well-formed records before it. A
     * process that writes into the segment outside the protocol can stop the ring, not crash or
     * deceive its consumer.
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

    private <T> Flux<T> receive(RingConsumer.RecordDecoder<T> decoder) {
        // a receive of this process that is ending (a take(n) that cancelled it from onNext has
        // completed downstream already) lets go of the claim on its drain's next step: a
        // receive subscribed right then waits a moment for it, on a timer; the claim and the
        // subscription that releases it are made in one step, with no cancel between
        return Flux.defer(() -> {
            if (!lifecycle.enter()) {
                throw new DisposedException(description);
            }
            try {
                consumer.claim();
            } finally {
                lifecycle.exit();
            }
            return new MessageReceive<T>(description, lifecycle, () -> consumer.new Receiver<>(decoder),
                    source -> new SpinningReadiness(bell.waiter(consumer.new Sleeper()), spec.spinNanos))
                    .metered(spec.metrics);
        }).retryWhen(Retry.fixedDelay(CLAIM_RETRIES, CLAIM_RETRY).filter(e -> e instanceof RingConsumer.ClaimedHere)
                .onRetryExhaustedThrow((retry, signal) -> signal.failure()));
    }

    /** Where the head position is in the records buffer (the trailer's). */
    int headIndex() {
        return headIndex;
    }

    long head() {
        return records.getLongVolatile(headIndex);
    }

    long tail() {
        return records.getLongVolatile(tailIndex);
    }

    /** Whether this opening holds producer slot {@code i}. */
    boolean holdsSlot(int i) {
        return producer.holds(i);
    }

    /** After the consumer freed space (and a full fence): wakes the producers that sleep for it. */
    void ringSpaceIfWanted() {
        if (header.getIntVolatile(RingDescriptor.SPACE_WANTED_OFFSET) != 0
                && header.compareAndSetInt(RingDescriptor.SPACE_WANTED_OFFSET, 1, 0)) {
            // empty first: every sleeper, in every process, sees this ring as a new edge
            while (Native.libc().read(segment.spaceFd, scratch, scratchSize) > 0) {
                // a ring carries no data
            }
            Native.libc().write(segment.spaceFd, oneByte, 1);
        }
    }

    /** After a producer published (and, at least before it waits or goes idle, a full fence): wakes a sleeping consumer. */
    void ringConsumerIfSleeping() {
        if (header.getIntVolatile(RingDescriptor.CONSUMER_SLEEPING_OFFSET) != 0
                && header.compareAndSetInt(RingDescriptor.CONSUMER_SLEEPING_OFFSET, 1, 0)) {
            Native.libc().write(segment.bellFd, oneByte, 1);
        }
    }

    // ---- send ---------------------------------------------------------------------------

    /**
     * Writes every message of {@code messages} into the ring and completes when the last one is
     * in. A full ring holds the publisher back: the send spins briefly, then sleeps on the space
     * doorbell until the consumer frees space, and only then requests more; nothing is dropped.
     * While it waits it looks every 200 ms whether a consumer is
     * attached, and fails with {@link NoConsumerException} once none has been for the spec's
     * {@link SharedRingSpec#consumerTimeout(Duration) consumer timeout}. A message larger than
     * {@link #maxMessageSize()} fails the send with {@link io.interflux.FrameTooLargeException} before it
     * reaches the ring; those before it are in.
     *
     * <p>Each send (and each emitter) writes through a producer slot of its own while it runs (an
     * emitter until dispose), so at most {@value RingDescriptor#PRODUCER_SLOTS} write at once in
     * all processes; with {@link Producers#ONE} there is one slot, for one opening, and one send
     * or emission at a time. Lazy:
     * nothing happens until subscribed.
     */
    public Mono<Void> send(Publisher<? extends RingMessage> messages) {
        Objects.requireNonNull(messages, "messages");
        return Mono.defer(() -> {
            boolean guarded = segment.producers == Producers.ONE;
            if (guarded && !producing.compareAndSet(false, true)) {
                return Mono.error(new IllegalStateException(description + " takes one producer, writing one send"
                        + " (or emission) at a time, and another is running"));
            }
            int slot;
            if (!lifecycle.enter()) {
                producing.set(false);
                return Mono.error(new DisposedException(description));
            }
            try {
                slot = producer.acquire();
            } catch (RuntimeException e) {
                if (guarded) {
                    producing.set(false);
                }
                return Mono.error(e);
            } finally {
                lifecycle.exit();
            }
            return new MessageSend<RingMessage>(description, lifecycle, messages,
                    () -> producer.new Sender(slot, false, guarded),
                    sink -> new SpinningReadiness(space.waiter(producer.new SpaceSleeper((RingProducer.Sender) sink)),
                            spec.spinNanos),
                    SEND_PREFETCH).metered(spec.metrics);
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
     * and the record was not written (the claim may have padded the rest of the ring's lap, as
     * Agrona does when a record would cross its end), {@code FAIL_TERMINATED} once disposed, {@code FAIL_NON_SERIALIZED}
     * for concurrent emissions on one emitter (or, with {@link Producers#ONE}, while a send
     * runs). A message over {@link #maxMessageSize()} throws {@link io.interflux.FrameTooLargeException}.
     * Takes a producer slot like a send; fails with {@link IllegalStateException} when none is free.
     */
    public Emitter<RingMessage> emitter() {
        if (!lifecycle.enter()) {
            throw new DisposedException(description);
        }
        int slot;
        try {
            slot = producer.acquire();
        } finally {
            lifecycle.exit();
        }
        Emitter<RingMessage> emitter = new SinkEmitter<>(description, lifecycle, producer.new Sender(slot, true, false),
                spec.metrics);
        if (segment.producers != Producers.ONE) {
            return emitter;
        }
        return new Emitter<RingMessage>() {
            @Override
            public Sinks.EmitResult tryEmitNext(RingMessage message) {
                if (lifecycle.isDisposed()) {
                    return Sinks.EmitResult.FAIL_TERMINATED;
                }
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
        try {
            bell.cancel();
            space.cancel();
            producer.releaseAll();
            segment.close(spec.removeOnDispose);
        } finally {
            spec.metrics.closed();
        }
    }

    @Override
    public String toString() {
        return "SharedRing[" + (spec.name != null ? spec.name : spec.path) + ", capacity=" + capacity + ", producers="
                + segment.producers + "]";
    }
}
