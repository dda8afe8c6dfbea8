package io.interflux.it.pipe;

import io.interflux.it.support.Eventually;
import io.interflux.it.support.OsResources;
import io.interflux.it.support.ProcessProbe;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.ChildProcessSpec;
import io.interflux.pipe.Stdio;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.test.StepVerifier;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The backpressure proof of the pipe transport against a real producer: {@code head -c 1GiB
 * /dev/zero} writing into its stdout pipe while this JVM subscribes at zero demand and then
 * asks for one chunk at a time.
 *
 * <p>What a reader of this test should take from it:
 * <ul>
 *   <li>without demand the library does not read, so the child fills the pipe (16 pages, 64 KiB
 *       with 4 KiB pages) and sleeps in the kernel's pipe write: {@code /proc/<pid>/stat} says
 *       {@code S}, {@code /proc/<pid>/wchan} names a pipe write function, and {@code wchar} of
 *       {@code /proc/<pid>/io} does not move;</li>
 *   <li>each {@code request(1)} delivers one chunk of at most 64 KiB and lets the child write
 *       about that much more, never more than one pipe's worth ahead of what was delivered;</li>
 *   <li>this JVM's heap after a full GC grows by less than {@value #HEAP_BOUND_MIB} MiB over the
 *       baseline while 1 GiB streams through (the library holds one 64 KiB read buffer per stream);</li>
 *   <li>with unbounded demand the remaining bytes stream to the end: exactly 1 GiB, exit code 0.</li>
 * </ul>
 */
@Timeout(90)
@DisplayName("A child writing 1 GiB to its stdout pipe")
class BackpressureIT {

    static final long GIB = 1L << 30;
    static final int CHUNK = 64 * 1024;
    static final int HEAP_BOUND_MIB = 64;
    static final int SLOW_REQUESTS = 32;
    /** How long the child is watched while there is no demand; it must neither deliver nor write. */
    static final Duration NO_DEMAND_WINDOW = Duration.ofMillis(100);
    static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    final OsResources os = new OsResources();

    @Test
    @DisplayName("is held blocked in write(2) while there is no demand, moves one chunk per request, then streams exactly 1 GiB"
            + " with this JVM's heap after GC less than 64 MiB above its baseline")
    void oneGibibyteToASlowSubscriber() throws Exception {
        long pipeCapacity = 16L * pageSize();
        long baseline = usedHeapAfterGc();
        ChildProcessSpec spec = ChildProcess.command("head", "-c", Long.toString(GIB), "/dev/zero")
                .stdin(Stdio.discard())
                .stderr(Stdio.discard());
        ChildProcess head = os.track(spec.start().block(WAIT));
        ProcessProbe probe = ProcessProbe.of(head.pid());
        CountingSubscriber reader = new CountingSubscriber();
        head.stdout().subscribe(reader); // zero demand: nothing is read yet

        long previousWritten = -1;
        long mostAhead = 0;
        long heapPeak = Long.MIN_VALUE;
        for (int i = 0; i <= SLOW_REQUESTS; i++) {
            if (i > 0) {
                reader.request(1);
                assertThat(reader.arrived.tryAcquire(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                        .as("chunk %d delivered after request(1)", i).isTrue();
            }
            long before = previousWritten;
            // the demand (if any) is spent: the child refills the pipe and blocks in write again
            Eventually.holds(WAIT, () -> "child blocked in a pipe write after request " + before + ": " + probe,
                    () -> probe.writtenBytes() > before && probe.isBlockedIn("pipe"));
            long written = probe.writtenBytes();
            assertThat(reader.arrived.tryAcquire(NO_DEMAND_WINDOW.toMillis(), TimeUnit.MILLISECONDS))
                    .as("a chunk delivered without demand").isFalse();
            assertThat(probe.writtenBytes()).as("bytes the child wrote while there was no demand").isEqualTo(written);
            assertThat(probe.isBlockedIn("pipe")).as("child still blocked: %s", probe).isTrue();

            long ahead = written - reader.bytes.get();
            assertThat(ahead).as("bytes written by the child but not yet delivered").isBetween(0L, pipeCapacity);
            mostAhead = Math.max(mostAhead, ahead);
            previousWritten = written;
        }
        assertThat(reader.chunks.get()).isEqualTo(SLOW_REQUESTS);
        assertThat(reader.largest.get()).as("largest chunk").isBetween(1, CHUNK);
        heapPeak = Math.max(heapPeak, usedHeapAfterGc() - baseline);

        long start = System.nanoTime();
        reader.request(Long.MAX_VALUE);
        assertThat(reader.halfway.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("512 MiB delivered").isTrue();
        heapPeak = Math.max(heapPeak, retainedMidStream() - baseline); // measured mid-stream
        reader.done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        heapPeak = Math.max(heapPeak, usedHeapAfterGc() - baseline);

        assertThat(reader.bytes.get()).as("bytes received").isEqualTo(GIB);
        assertThat(reader.largest.get()).as("largest chunk").isLessThanOrEqualTo(CHUNK);
        StepVerifier.create(head.exit()).expectNext(0).expectComplete().verify(WAIT);
        assertThat(heapPeak).as("used heap after GC above the baseline of %d bytes", baseline)
                .isLessThan(HEAP_BOUND_MIB * 1024L * 1024L);

        System.out.printf("pipe backpressure: %d chunks on demand, child at most %d bytes ahead (pipe %d),"
                        + " heap after GC at most %.1f MiB above baseline, 1 GiB in total, unbounded phase %.0f MiB/s%n",
                SLOW_REQUESTS, mostAhead, pipeCapacity, heapPeak / 1048576.0,
                (GIB - SLOW_REQUESTS * (double) CHUNK) / 1048576.0 / seconds);
    }

    /**
     * The heap the stream holds on to while it runs flat out: the least of three readings after
     * GC. Each reading also counts the chunks allocated between the collection's end and the
     * reading (the stream goes on at GB/s meanwhile); what the library retained shows in all three.
     */
    static long retainedMidStream() {
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            least = Math.min(least, usedHeapAfterGc());
        }
        return least;
    }

    static long usedHeapAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** The kernel page size: a pipe holds at most 16 pages by default. */
    static long pageSize() throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/smaps"))) {
            return lines.filter(l -> l.startsWith("KernelPageSize:")).findFirst()
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024)
                    .orElse(4096L);
        }
    }

    /** Counts what it receives and keeps none of it; requests nothing by itself. */
    static final class CountingSubscriber extends BaseSubscriber<byte[]> {
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong chunks = new AtomicLong();
        final AtomicInteger largest = new AtomicInteger();
        final Semaphore arrived = new Semaphore(0);
        final CountDownLatch halfway = new CountDownLatch(1);
        final CompletableFuture<Void> done = new CompletableFuture<>();

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            // no initial demand
        }

        @Override
        protected void hookOnNext(byte[] chunk) {
            long total = bytes.addAndGet(chunk.length);
            chunks.incrementAndGet();
            largest.accumulateAndGet(chunk.length, Math::max);
            if (total >= GIB / 2) {
                halfway.countDown();
            }
            arrived.release();
        }

        @Override
        protected void hookOnComplete() {
            done.complete(null);
        }

        @Override
        protected void hookOnError(Throwable error) {
            done.completeExceptionally(error);
        }
    }
}
