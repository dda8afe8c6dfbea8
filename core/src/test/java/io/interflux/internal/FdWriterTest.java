package io.interflux.internal;

import io.interflux.EventLoop;
import io.interflux.FrameTooLargeException;
import io.interflux.Framing;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The write half of the bridge, and the drain's work cap, over real {@code pipe2} pairs. */
@Timeout(60)
@DisplayName("FdWriter over a pipe, and the drain's work cap")
class FdWriterTest {

    static final Duration WAIT = Duration.ofSeconds(20);
    static EventLoop loop;
    final List<Runnable> cleanup = new ArrayList<>();

    @BeforeAll
    static void startLoop() {
        loop = EventLoop.create("fdwriter-test", 1);
    }

    @AfterAll
    static void stopLoop() {
        loop.disposeLater().block(WAIT);
    }

    @AfterEach
    void close() {
        cleanup.forEach(Runnable::run);
    }

    /** A pipe: its reader and a writer with the given atomic limit. */
    FdReader[] readerAnd(FdWriter[] writer, int atomic) {
        int[] fds = new int[2];
        assertThat(Native.libc().pipe2(fds, Native.O_CLOEXEC | Native.O_NONBLOCK)).isZero();
        FdReader reader = new FdReader(Spi.poller(loop), fds[0], "test pipe", 64 * 1024);
        writer[0] = new FdWriter(Spi.poller(loop), fds[1], "test pipe writer", 64 * 1024, atomic);
        FdWriter w = writer[0];
        cleanup.add(w::close);
        cleanup.add(reader::close);
        return new FdReader[] {reader};
    }

    static byte[] payload(int size, int seed) {
        byte[] p = new byte[size];
        for (int i = 0; i < size; i++) {
            p[i] = (byte) (seed * 31 + i);
        }
        return p;
    }

    @Test
    @DisplayName("without demand the pipe fills and the send waits; demand lets it finish, nothing lost")
    void zeroDemandHoldsTheWriterBack() {
        FdWriter[] w = new FdWriter[1];
        FdReader reader = readerAnd(w, 0)[0];
        int frames = 64; // 64 x 8 KiB: eight times what the pipe holds
        java.util.concurrent.atomic.AtomicBoolean sent = new java.util.concurrent.atomic.AtomicBoolean();
        Mono<Void> send = w[0].send(Flux.range(0, frames).map(i -> payload(8192, i)), Framing.lengthPrefixed(8192))
                .doOnSuccess(v -> sent.set(true));
        StepVerifier.create(send.then(Mono.fromRunnable(w[0]::close)).thenMany(Flux.<byte[]>empty())
                        .mergeWith(reader.receive(Framing.lengthPrefixed(8192))).map(f -> f[0]), 0)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(200))
                .then(() -> assertThat(sent).as("the send finished while nobody read").isFalse())
                .thenRequest(Long.MAX_VALUE)
                .expectNextCount(frames)
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    @DisplayName("a writer of small frames holds a 4 KiB buffer; frames that queue up past it grow it to bufferSize; every frame arrives in order")
    void writeBufferStartsSmall() {
        FdWriter[] w = new FdWriter[1];
        FdReader reader = readerAnd(w, 0)[0];
        Framing f = Framing.lengthPrefixed(1024);
        assertThat(w[0].bufferCapacity()).as("before the first send").isZero();
        java.util.List<byte[]> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        reader.receive(f).subscribe(got::add);
        for (int i = 0; i < 20; i++) {
            StepVerifier.create(w[0].send(Flux.just(payload(100, i)), f)).verifyComplete();
        }
        assertThat(w[0].bufferCapacity()).as("a quiet writer").isEqualTo(ByteSink.SMALL_BUFFER);
        int burst = 5_000; // 520 KiB of frames in one send: they gather past 4 KiB
        StepVerifier.create(w[0].send(Flux.range(0, burst).map(i -> payload(100, 20 + i)), f)).verifyComplete();
        assertThat(w[0].bufferCapacity()).as("a busy writer").isEqualTo(64 * 1024);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (got.size() < 20 + burst && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(got).hasSize(20 + burst);
        for (int i = 0; i < got.size(); i++) {
            assertThat(got.get(i)).as("frame %d", i).isEqualTo(payload(100, i));
        }
    }

    @Test
    @DisplayName("a 1 MiB payload goes out whole, written from its own array")
    void largePayload() {
        FdWriter[] w = new FdWriter[1];
        FdReader reader = readerAnd(w, 0)[0];
        byte[] big = payload(1 << 20, 7);
        w[0].send(Flux.just(big, payload(10, 1)), Framing.lengthPrefixed(2 << 20)).doFinally(s -> w[0].close()).subscribe();
        StepVerifier.create(reader.receive(Framing.lengthPrefixed(2 << 20)))
                .assertNext(f -> assertThat(f).isEqualTo(big))
                .assertNext(f -> assertThat(f).isEqualTo(payload(10, 1)))
                .verifyComplete();
    }

    @Test
    @DisplayName("in atomic mode two writers on one pipe never interleave, and a frame over the limit is refused")
    void atomicWriters() {
        int[] fds = new int[2];
        assertThat(Native.libc().pipe2(fds, Native.O_CLOEXEC | Native.O_NONBLOCK)).isZero();
        int second = Native.libc().fcntl(fds[1], 1030 /* F_DUPFD_CLOEXEC */, 0);
        Native.setNonBlocking(second, "dup");
        FdReader reader = new FdReader(Spi.poller(loop), fds[0], "shared pipe", 64 * 1024);
        FdWriter a = new FdWriter(Spi.poller(loop), fds[1], "writer a", 64 * 1024, 4096);
        FdWriter b = new FdWriter(Spi.poller(loop), second, "writer b", 64 * 1024, 4096);
        cleanup.add(a::close);
        cleanup.add(b::close);
        cleanup.add(reader::close);
        Framing f = Framing.lengthPrefixed(8192);
        int n = 2000;
        Mono<Void> both = Mono.when(
                a.send(Flux.range(0, n).map(i -> frameOf('a', i)), f),
                b.send(Flux.range(0, n).map(i -> frameOf('b', i)), f))
                .doFinally(s -> {
                    a.close();
                    b.close();
                });
        both.subscribe();
        long[] next = new long[2];
        StepVerifier.create(reader.receive(f))
                .thenConsumeWhile(frame -> {
                    int who = frame[0] == 'a' ? 0 : 1;
                    assertThat(frame).isEqualTo(frameOf((char) frame[0], (int) next[who]));
                    next[who]++;
                    return true;
                })
                .verifyComplete();
        assertThat(next).containsExactly(n, n);

        FdWriter[] w = new FdWriter[1];
        readerAnd(w, 4096);
        StepVerifier.create(w[0].send(Flux.just(new byte[4093]), f))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(FrameTooLargeException.class)
                        .hasMessageContaining("on test pipe writer").hasMessageContaining("size=4097"))
                .verify(WAIT);
    }

    /** Frames of 1000 to 4000 bytes, tagged with their writer and number. */
    static byte[] frameOf(char who, int i) {
        byte[] p = payload(1000 + (i * 37) % 3000, i);
        p[0] = (byte) who;
        return p;
    }

    @Test
    @DisplayName("a send cancelled in the middle of a frame leaves no torn frame: the next send finishes it first")
    void cancelMidFrame() throws Exception {
        FdWriter[] w = new FdWriter[1];
        FdReader reader = readerAnd(w, 0)[0];
        Framing f = Framing.lengthPrefixed(1 << 20);
        byte[] big = payload(512 * 1024, 3); // far more than the pipe holds: nobody reads yet
        CountDownLatch started = new CountDownLatch(1);
        Disposable first = w[0].send(Flux.just(big).concatWith(Flux.never()).doOnRequest(r -> started.countDown()), f)
                .subscribe();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        first.dispose(); // part of the frame is in the kernel, the rest is not
        byte[] small = payload(100, 4);
        // the next send may start once the cancelled one has let go of the writer
        Mono<Void> second = Mono.defer(() -> w[0].send(Flux.just(small), f))
                .retryWhen(reactor.util.retry.Retry.fixedDelay(100, Duration.ofMillis(10))
                        .filter(e -> e instanceof IllegalStateException));
        second.doFinally(s -> w[0].close()).subscribe();
        StepVerifier.create(reader.receive(f))
                .assertNext(frame -> assertThat(frame).isEqualTo(big))
                .assertNext(frame -> assertThat(frame).isEqualTo(small))
                .verifyComplete();
    }

    @Test
    @DisplayName("a source that never runs dry (/dev/zero) with unbounded demand leaves the loop thread to others")
    void workCapYieldsTheLoop() throws Exception {
        int fd = Native.libc().open("/dev/zero", Native.O_RDONLY | Native.O_NONBLOCK | Native.O_CLOEXEC, 0);
        assertThat(fd).isNotNegative();
        FdReader zeros = new FdReader(Spi.poller(loop), fd, "/dev/zero", 64 * 1024);
        cleanup.add(zeros::close);
        AtomicLong bytes = new AtomicLong();
        CountDownLatch enough = new CountDownLatch(1);
        // subscribed from the loop thread itself: a drain without a cap would never give it back
        Spi.poller(loop).execute(() -> zeros.receive(Framing.raw()).subscribe(chunk -> {
            if (bytes.addAndGet(chunk.length) > (64 << 20)) {
                enough.countDown();
            }
        }));
        assertThat(enough.await(20, TimeUnit.SECONDS)).as("64 MiB read").isTrue();
        for (int i = 0; i < 3; i++) {
            CountDownLatch otherTask = new CountDownLatch(1);
            Spi.poller(loop).execute(otherTask::countDown);
            assertThat(otherTask.await(5, TimeUnit.SECONDS)).as("another task ran on the busy loop thread").isTrue();
        }
    }

    @Test
    @DisplayName("a synchronous source is pulled from inside the drain: its frames arrive, and its error fails the send after them")
    void fusedSource() {
        FdWriter[] w = new FdWriter[1];
        FdReader reader = readerAnd(w, 0)[0];
        Flux<byte[]> frames = Flux.range(0, 5000).map(i -> {
            if (i == 4000) {
                throw new IllegalStateException("the source broke at 4000");
            }
            return payload(64, i);
        });
        AtomicLong received = new AtomicLong();
        Mono<Long> reading = reader.receive(Framing.lengthPrefixed(64)).doOnNext(f -> received.incrementAndGet())
                .count().cache();
        reading.subscribe();
        StepVerifier.create(w[0].send(frames, Framing.lengthPrefixed(64)).doFinally(s -> w[0].close()))
                .expectErrorSatisfies(e -> assertThat(e).hasMessage("the source broke at 4000"))
                .verify(WAIT);
        StepVerifier.create(reading).expectNext(4000L).expectComplete()                .verify(WAIT);
    }

    @Test
    @DisplayName("a send started while the one before it is being cancelled, on a full pipe, still hears the pipe drain and completes")
    void sendAfterCancelledSend() throws Exception {
        for (int round = 0; round < 100; round++) {
            FdWriter[] writer = new FdWriter[1];
            FdReader reader = readerAnd(writer, 0)[0];
            FdWriter w = writer[0];
            // A fills the pipe (64 KiB) and waits for room that nobody makes yet
            Disposable a = w.send(Flux.range(0, 256).map(i -> new byte[1024]), Framing.raw()).subscribe();
            Thread canceller = new Thread(a::dispose, "canceller");
            canceller.start();
            // B is let in as soon as A has let go of the writer, perhaps while A's cancel is still running
            CountDownLatch bDone = new CountDownLatch(1);
            long deadline = System.nanoTime() + WAIT.toNanos();
            for (;;) {
                AtomicLong refused = new AtomicLong();
                // a refusal ("a send ... is already in progress") is signalled at once, on this thread
                w.send(Flux.just(new byte[100]), Framing.raw()).subscribe(null, e -> {
                    if (e instanceof IllegalStateException) {
                        refused.incrementAndGet();
                    }
                }, bDone::countDown);
                if (refused.get() == 0 || System.nanoTime() > deadline) {
                    break; // B runs (or, past the deadline, the test fails below)
                }
                Thread.onSpinWait();
            }
            canceller.join(WAIT.toMillis());
            // the reader makes room: B must hear of it and finish
            AtomicLong read = new AtomicLong();
            Disposable reading = reader.receive(Framing.raw()).subscribe(chunk -> read.addAndGet(chunk.length));
            assertThat(bDone.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("round %d: the second send completed", round).isTrue();
            reading.dispose();
            w.close();
            reader.close();
        }
    }

    @Test
    @DisplayName("a writer's readiness wakes the send that waits, even after the send before it cancelled its watch")
    void waitAfterAnotherSendsCancel() throws Exception {
        int[] fds = new int[2];
        assertThat(Native.libc().pipe2(fds, Native.O_CLOEXEC | Native.O_NONBLOCK)).isZero();
        EdgeReadiness readiness = new EdgeReadiness(Spi.poller(loop), fds[1], Poller.EPOLLOUT, false);
        try {
            CountDownLatch woken = new CountDownLatch(1);
            Runnable first = () -> { };
            Runnable second = woken::countDown;
            readiness.watch(first);
            readiness.watch(second);  // the next send, let in as the first let go
            readiness.cancel();       // the first's end, run late: it used to clear the second's watch
            readiness.await(second);  // the second finds the pipe full and waits; the pipe is writable
            assertThat(woken.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the waiting send was woken").isTrue();
        } finally {
            readiness.release();
            Native.libc().close(fds[0]);
            Native.libc().close(fds[1]);
        }
    }
}
