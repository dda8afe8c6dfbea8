package io.interflux.testkit;

import io.interflux.internal.Spi;
import io.interflux.EventLoop;
import io.interflux.FrameTooLargeException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.blockhound.BlockingOperationError;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.util.function.Tuple2;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.function.LongToIntFunction;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * The transport conformance suite: the backpressure contract of DESIGN.md checked against one
 * transport through its {@link TransportUnderTest} adapter.
 *
 * <p>A transport's test extends this class and names its adapter; every test here then runs
 * against it:
 *
 * <pre>{@code
 * @DisplayName("The pipe transport")
 * class PipeConformanceTest extends TransportConformance {
 *     @Override
 *     protected TransportUnderTest transport() {
 *         return new CatLoopback();
 *     }
 * }
 * }</pre>
 *
 * <p>Each test is bounded in time and closes its loopback in a {@code finally}, so a failing
 * transport fails the test instead of hanging the build or leaking a process or a named object.
 * The suite expects BlockHound to be installed in the test JVM (blockhound-junit-platform does
 * that) and checks that it is.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class TransportConformance {

    /** Frames sent by the order-and-loss test. */
    protected static final int MANY_FRAMES = 1_000_000;

    /** The longest a single step (a delivery, a termination, a release) may take. */
    protected static final Duration WAIT = Duration.ofSeconds(15);

    private static final Duration STILL = Duration.ofMillis(300);
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final int SMALL_MAX = 64;

    /** The transport under test; called once per test. */
    protected abstract TransportUnderTest transport();

    /** One million small numbered frames arrive, each exactly once and in order. */
    @Test
    @Timeout(value = 45, unit = TimeUnit.SECONDS)
    @DisplayName("delivers 1,000,000 small frames in order, none lost or repeated, while sender and receiver run concurrently")
    public void orderAndNoLoss() throws Exception {
        TransportUnderTest transport = transport();
        // 8 to 16 bytes, so frame boundaries fall everywhere in the transport's buffers
        LongToIntFunction sizes = n -> NumberedFrames.MIN_SIZE + (int) (n % 9);
        try (TransportUnderTest.Loopback loopback = transport.open(SMALL_MAX)) {
            AtomicLong next = new AtomicLong();
            Mono<Void> receiving = loopback.inbound()
                    .take(MANY_FRAMES)
                    .doOnNext(frame -> {
                        long n = next.getAndIncrement();
                        NumberedFrames.check(frame, n, sizes.applyAsInt(n));
                    })
                    .then();
            Mono<Void> sending = loopback.send(NumberedFrames.range(MANY_FRAMES, sizes)
                    .subscribeOn(Schedulers.parallel()));
            long start = System.nanoTime();
            StepVerifier.create(Mono.when(receiving, sending))
                    .expectComplete()
                    .verify(Duration.ofSeconds(40));
            long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            assertThat(next.get()).as("frames received").isEqualTo(MANY_FRAMES);
            report(transport, "%,d frames in %,d ms (%,d frames/s)", MANY_FRAMES, millis, MANY_FRAMES * 1000L / millis);
        }
    }

    /**
     * With a subscriber that requests only a few frames, the kernel object fills and holds the
     * sender back: it pulls no more from its source than the transport can hold in flight.
     */
    @Test
    @Timeout(value = 45, unit = TimeUnit.SECONDS)
    @DisplayName("holds the sender back within the transport's in-flight bound while the subscriber requests nothing more, then delivers everything")
    public void boundedUnderSlowSubscriber() throws Exception {
        TransportUnderTest transport = transport();
        int frameSize = 1024;
        int initialDemand = 16;
        long slack = 8;
        try (TransportUnderTest.Loopback loopback = transport.open(frameSize)) {
            long boundFrames = loopback.inFlightBoundBytes(frameSize) / frameSize;
            assertThat(boundFrames).as("in-flight bound in frames of %d bytes", frameSize).isPositive();
            long total = 4 * boundFrames + 1_000;
            AtomicLong pulled = new AtomicLong();
            NumberedReceiver receiver = new NumberedReceiver(frameSize, total, initialDemand);
            loopback.inbound().subscribe(receiver);
            CompletableFuture<Void> sent = loopback.send(NumberedFrames.counted(total, frameSize, pulled)).toFuture();
            try {
                awaitUntil(() -> receiver.delivered, initialDemand);
                long held = awaitStill(pulled::get);
                long delivered = receiver.delivered;
                receiver.assertNoError();
                report(transport, "slow subscriber: %d frames delivered, sender pulled %d of %d, bound %d + slack %d",
                        delivered, held, total, boundFrames, slack);
                assertThat(delivered).as("frames delivered for a demand of %d", initialDemand).isEqualTo(initialDemand);
                assertThat(sent).as("a send that should be held back").isNotDone();
                assertThat(held).as("frames the sender pulled while the subscriber requested nothing more")
                        .isLessThan(total)
                        .isLessThanOrEqualTo(delivered + boundFrames + slack);

                receiver.request(Long.MAX_VALUE);
                assertThat(receiver.done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                        .as("all %d frames arrive once demand is there (got %d)", total, receiver.delivered)
                        .isTrue();
                receiver.assertNoError();
                assertThat(receiver.delivered).isEqualTo(total);
                sent.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } finally {
                receiver.dispose();
                sent.cancel(true);
            }
        }
    }

    /**
     * Cancelling the inbound and closing the loopback returns this JVM to the descriptors it had
     * before the loopback was opened.
     */
    @Test
    @DisplayName("releases every descriptor it opened once the inbound is cancelled and the loopback closed")
    public void cancelReleasesDescriptors() throws Exception {
        TransportUnderTest transport = transport();
        Spi.poller(EventLoop.shared());
        // a first round loads classes and opens jars, so the counted round sees only the transport
        cancelMidStream(transport);
        Map<Integer, String> before = OpenDescriptors.snapshot();
        cancelMidStream(transport);
        OpenDescriptors.assertReleased(before, WAIT);
    }

    private static void cancelMidStream(TransportUnderTest transport) throws Exception {
        TransportUnderTest.Loopback closed;
        try (TransportUnderTest.Loopback loopback = transport.open(SMALL_MAX)) {
            closed = loopback;
            Disposable sending = loopback.send(NumberedFrames.range(Long.MAX_VALUE, n -> 32))
                    .subscribe(null, e -> { });
            try {
                StepVerifier.create(loopback.inbound(), 0)
                        .expectSubscription()
                        .thenRequest(10)
                        .expectNextCount(10)
                        .thenCancel()
                        .verify(WAIT);
            } finally {
                sending.dispose();
            }
        }
        assertThat(closed.namedObjectExists()).as("the named object is removed once the loopback is closed").isFalse();
    }

    /**
     * When the peer process is killed with SIGKILL mid-stream the inbound ends, with completion
     * or an error, or, for a mechanism that outlives its senders, goes on delivering; never a hang.
     */
    @Test
    @DisplayName("ends the inbound (or goes on, for queues) when the peer process is killed with SIGKILL mid-stream, never hangs")
    public void peerDeathEndsInbound() throws Exception {
        TransportUnderTest transport = transport();
        try (TransportUnderTest.Loopback loopback = transport.open(SMALL_MAX)) {
            AtomicLong received = new AtomicLong();
            CompletableFuture<Optional<Throwable>> ended = new CompletableFuture<>();
            Disposable receiving = loopback.inbound().subscribe(
                    frame -> received.incrementAndGet(),
                    e -> ended.complete(Optional.of(e)),
                    () -> ended.complete(Optional.empty()));
            ProcessHandle peer = loopback.startPeer();
            Disposable sending = loopback.send(NumberedFrames.range(Long.MAX_VALUE, n -> 32))
                    .subscribe(null, e -> { });
            try {
                awaitUntil(received::get, 1_000);
                peer.destroyForcibly();
                peer.onExit().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                if (!loopback.endsWhenPeerDies()) {
                    long atDeath = received.get();
                    awaitUntil(received::get, atDeath + 1_000);
                    assertThat(ended).as("the inbound goes on after its peer died").isNotDone();
                    report(transport, "peer death: inbound went on, %d frames by the peer's death, %d now",
                            atDeath, received.get());
                    return;
                }
                Optional<Throwable> outcome;
                try {
                    outcome = ended.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    throw new AssertionError("the inbound was still open " + WAIT + " after the peer died ("
                            + received.get() + " frames received)");
                }
                report(transport, "peer death: inbound ended with %s after %d frames",
                        outcome.map(Throwable::toString).orElse("completion"), received.get());
            } finally {
                sending.dispose();
                receiving.dispose();
                peer.destroyForcibly();
            }
        }
    }

    /**
     * A frame larger than the maximum fails the inbound (or its send) with an error naming the
     * limit, and its bytes never come out as data.
     */
    @Test
    @DisplayName("fails with FrameTooLargeException naming the limit on a frame over the maximum, and delivers nothing of it")
    public void oversizeFrameFails() throws Exception {
        TransportUnderTest transport = transport();
        int max = 1024;
        byte[] a = NumberedFrames.frame(0, 100);
        byte[] b = NumberedFrames.frame(1, max);
        byte[] c = NumberedFrames.frame(2, 100);
        try (TransportUnderTest.Loopback loopback = transport.open(max)) {
            List<byte[]> received = new CopyOnWriteArrayList<>();
            Mono<Optional<Throwable>> receiving = loopback.inbound()
                    .doOnNext(received::add)
                    .takeUntil(frame -> Arrays.equals(frame, c))
                    .then(Mono.just(Optional.<Throwable>empty()))
                    .onErrorResume(e -> Mono.just(Optional.of(e)));
            Mono<Optional<Throwable>> sending = loopback.send(Flux.just(a, b))
                    .then(loopback.sendOversize(max + 1)
                            .then(Mono.just(Optional.<Throwable>empty()))
                            .onErrorResume(e -> Mono.just(Optional.of(e))))
                    // a frame after the oversize one; the transport may refuse it once broken
                    .flatMap(oversize -> loopback.send(Mono.just(c)).onErrorResume(e -> Mono.empty()).thenReturn(oversize));
            Tuple2<Optional<Throwable>, Optional<Throwable>> outcome = Mono.zip(receiving, sending)
                    .timeout(WAIT, Mono.error(() -> new AssertionError("the inbound and the sends did not both end within "
                            + WAIT + "; frames received: " + received.size())))
                    .block();
            Optional<Throwable> inboundError = outcome.getT1();
            Optional<Throwable> sendError = outcome.getT2();
            List<Long> sequences = new ArrayList<>();
            received.forEach(frame -> sequences.add(NumberedFrames.sequenceOf(frame)));
            if (inboundError.filter(FrameTooLargeException.class::isInstance).isPresent()) {
                assertNamesLimit(inboundError.get(), max);
                assertThat(sequences).as("frames delivered around the oversize one").containsExactly(0L, 1L);
                report(transport, "oversize: inbound failed with %s", inboundError.get());
            } else {
                assertThat(sendError)
                        .as("neither the inbound (%s) nor the send of the oversize frame failed with FrameTooLargeException",
                                inboundError.map(Throwable::toString).orElse("no error"))
                        .containsInstanceOf(FrameTooLargeException.class);
                assertNamesLimit(sendError.get(), max);
                assertThat(inboundError).as("inbound error after a refused send").isEmpty();
                assertThat(sequences).as("frames delivered around the refused oversize one").containsExactly(0L, 1L, 2L);
                report(transport, "oversize: send failed with %s", sendError.get());
            }
        }
    }

    private static void assertNamesLimit(Throwable e, int max) {
        FrameTooLargeException tooLarge = (FrameTooLargeException) e;
        assertThat(tooLarge.limit()).as("limit of %s", e).isEqualTo(max);
        assertThat(e.getMessage()).as("message of %s", e).contains(String.valueOf(max));
    }

    /** The whole exchange, subscribed and observed on Reactor's parallel threads, makes no blocking call. */
    @Test
    @DisplayName("exchanges frames subscribed and published on Reactor parallel threads without a blocking call")
    public void blockHoundClean() throws Exception {
        // the check would pass vacuously without BlockHound: prove it is watching
        Mono<Integer> blocking = Mono.fromCallable(() -> {
            Thread.sleep(1);
            return 1;
        }).subscribeOn(Schedulers.parallel());
        assertThatThrownBy(() -> blocking.block(WAIT))
                .as("BlockHound must be installed in the test JVM (blockhound-junit-platform)")
                .hasCauseInstanceOf(BlockingOperationError.class);

        TransportUnderTest transport = transport();
        int count = 20_000;
        List<Throwable> dropped = new CopyOnWriteArrayList<>();
        String key = TransportConformance.class.getName();
        Hooks.onErrorDropped(dropped::add);
        Schedulers.onHandleError(key, (thread, e) -> dropped.add(e));
        try (TransportUnderTest.Loopback loopback = transport.open(SMALL_MAX)) {
            AtomicLong next = new AtomicLong();
            Mono<Void> receiving = loopback.inbound()
                    .publishOn(Schedulers.parallel())
                    .take(count)
                    .doOnNext(frame -> NumberedFrames.check(frame, next.getAndIncrement(), 32))
                    .subscribeOn(Schedulers.parallel())
                    .then();
            Mono<Void> sending = loopback.send(NumberedFrames.range(count, n -> 32)
                            .subscribeOn(Schedulers.parallel())
                            .publishOn(Schedulers.parallel()))
                    .subscribeOn(Schedulers.parallel());
            StepVerifier.create(Mono.when(receiving, sending))
                    .expectComplete()
                    .verify(WAIT);
            assertThat(next.get()).isEqualTo(count);
            assertThat(dropped).as("errors dropped or thrown on scheduler threads").isEmpty();
        } finally {
            Hooks.resetOnErrorDropped();
            Schedulers.resetOnHandleError(key);
        }
    }

    /** A subscriber that starts at zero demand gets nothing, then exactly what it requests. */
    @Test
    @DisplayName("delivers nothing at zero demand, then exactly as many frames as requested, in order")
    public void deliversExactlyTheDemand() throws Exception {
        TransportUnderTest transport = transport();
        try (TransportUnderTest.Loopback loopback = transport.open(SMALL_MAX)) {
            // sent concurrently: a transport may hold fewer than 100 frames while nobody reads
            Disposable sending = loopback.send(NumberedFrames.range(100, n -> 16)).subscribe(null, e -> { });
            try {
                StepVerifier.Step<byte[]> step = StepVerifier.create(loopback.inbound(), 0)
                        .expectSubscription()
                        .expectNoEvent(Duration.ofMillis(100))
                        .thenRequest(3);
                step = expectFrames(step, 0, 3).expectNoEvent(Duration.ofMillis(100)).thenRequest(7);
                step = expectFrames(step, 3, 10).expectNoEvent(Duration.ofMillis(100)).thenRequest(1);
                expectFrames(step, 10, 11)
                        .thenCancel()
                        .verify(WAIT);
            } finally {
                sending.dispose();
            }
        }
    }

    private static StepVerifier.Step<byte[]> expectFrames(StepVerifier.Step<byte[]> step, int from, int to) {
        for (int i = from; i < to; i++) {
            long n = i;
            step = step.assertNext(frame -> NumberedFrames.check(frame, n, 16));
        }
        return step;
    }

    /** Polls, within {@link #WAIT}, until {@code value} reaches {@code target}. */
    private static void awaitUntil(LongSupplier value, long target) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (value.getAsLong() < target) {
            if (System.nanoTime() - deadline > 0) {
                fail("waited " + WAIT + " for " + target + " but got " + value.getAsLong());
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /**
     * Polls until {@code value} has not changed for {@link #STILL} (the sender is held back), or
     * {@link #WAIT} has passed; returns the last value.
     */
    private static long awaitStill(LongSupplier value) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        long last = value.getAsLong();
        long since = System.nanoTime();
        while (System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(POLL_NANOS);
            long now = value.getAsLong();
            if (now != last) {
                last = now;
                since = System.nanoTime();
            } else if (System.nanoTime() - since >= STILL.toNanos()) {
                break;
            }
        }
        return last;
    }

    private static void report(TransportUnderTest transport, String format, Object... args) {
        System.out.println("[conformance " + transport.name() + "] " + String.format(format, args));
    }

    /** Checks numbered frames as they arrive and lets the test drive demand by hand. */
    private static final class NumberedReceiver extends BaseSubscriber<byte[]> {
        private final int frameSize;
        private final long total;
        private final long initialDemand;
        final CountDownLatch done = new CountDownLatch(1);
        volatile long delivered;
        volatile Throwable error;

        NumberedReceiver(int frameSize, long total, long initialDemand) {
            this.frameSize = frameSize;
            this.total = total;
            this.initialDemand = initialDemand;
        }

        @Override
        protected void hookOnSubscribe(org.reactivestreams.Subscription subscription) {
            request(initialDemand);
        }

        @Override
        protected void hookOnNext(byte[] frame) {
            // one writer: onNext is serialised
            NumberedFrames.check(frame, delivered, frameSize);
            delivered = delivered + 1;
            if (delivered == total) {
                done.countDown();
                dispose();
            }
        }

        @Override
        protected void hookOnError(Throwable t) {
            error = t;
            done.countDown();
        }

        @Override
        protected void hookOnComplete() {
            done.countDown();
        }

        void assertNoError() {
            if (error != null) {
                throw new AssertionError("the inbound failed after " + delivered + " frames", error);
            }
        }
    }
}
