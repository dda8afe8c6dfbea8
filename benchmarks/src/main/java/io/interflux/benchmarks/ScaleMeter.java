package io.interflux.benchmarks;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the readers of a {@link ScaleRun} report to, whatever the implementation: every byte read
 * on stream {@code i} ({@link #received(int, int)}), its end, or its failure.
 *
 * <p>In the latency phase each stream has at most one 64-byte ping in flight, echoed back whole,
 * so stream {@code i} has its pong once its byte count is a multiple of 64 again: the round trip
 * is the time since {@link #sent(int)}. In the streaming phase each stream is done once it has
 * read its share ({@link #startStreaming(long)}); the phase ends with the last stream.
 *
 * <p>A stream's bytes are counted by whichever thread reads it, one at a time (a Reactor
 * subscriber's serial {@code onNext}, a reading thread, NuProcess's pump); the main thread reads
 * only what is published through the atomics and the volatile phase flags.
 */
final class ScaleMeter {

    /** Every ping and pong: 64 bytes. */
    static final int MESSAGE = 64;

    private final int streams;
    private final long[] bytes;
    private final long[] pings;
    private final AtomicLongArray sentAt;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final long[] rtts;
    private final AtomicInteger recorded = new AtomicInteger();
    private volatile boolean recording;

    private volatile boolean streaming;
    private long[] streamTargets;
    private final LongAdder streamed = new LongAdder();
    private final CountDownLatch done;
    private final AtomicLong lastEnd = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    /**
     * @param streams    how many streams
     * @param maxSamples the most round trips kept; later ones are dropped
     */
    ScaleMeter(int streams, int maxSamples) {
        this.streams = streams;
        this.bytes = new long[streams];
        this.pings = new long[streams];
        this.sentAt = new AtomicLongArray(streams);
        this.rtts = new long[maxSamples];
        this.done = new CountDownLatch(streams);
    }

    int streams() {
        return streams;
    }

    /** Whether stream {@code i} has a ping in flight; only the pinging thread asks. */
    boolean busy(int i) {
        return sentAt.get(i) != 0;
    }

    /** Stream {@code i}'s ping is about to be written: the clock starts. Only the pinging thread calls this. */
    void sent(int i) {
        pings[i]++;
        inFlight.incrementAndGet();
        sentAt.set(i, Math.max(1, System.nanoTime()));
    }

    /** Stream {@code i}'s ping was refused (its endpoint was full): it is not in flight after all. */
    void unsent(int i) {
        pings[i]--;
        sentAt.set(i, 0);
        inFlight.decrementAndGet();
    }

    /** Round trips from now on are kept (the warm-up's are not). */
    void record(boolean on) {
        recording = on;
    }

    int inFlight() {
        return inFlight.get();
    }

    /** {@code n} bytes read on stream {@code i}, by its reader. */
    void received(int i, int n) {
        long total = bytes[i] += n;
        if (streaming) {
            streamed.add(n);
            if (total >= streamTargets[i] && total - n < streamTargets[i]) {
                if (total > streamTargets[i]) {
                    failed(i, new IllegalStateException("stream " + i + " read " + (total - streamTargets[i]) + " bytes too many"));
                }
                end();
            }
        } else if (total % MESSAGE == 0) {
            long t = sentAt.getAndSet(i, 0);
            if (t == 0) {
                failed(i, new IllegalStateException("stream " + i + " read " + total + " bytes, a pong nobody pinged for"));
                return;
            }
            long rtt = System.nanoTime() - t;
            inFlight.decrementAndGet();
            if (recording) {
                int k = recorded.getAndIncrement();
                if (k < rtts.length) {
                    rtts[k] = rtt;
                }
            }
        }
    }

    private void end() {
        lastEnd.accumulateAndGet(System.nanoTime(), Math::max);
        done.countDown();
    }

    /** Stream {@code i} reached its end of stream: fine once it has its share, a failure before. */
    void ended(int i) {
        if (!streaming || bytes[i] < streamTargets[i]) {
            failed(i, new IllegalStateException("stream " + i + " ended after " + bytes[i] + " bytes, before its share"));
        }
    }

    /** Stream {@code i} failed: the run fails with the first such error. */
    void failed(int i, Throwable t) {
        failure.compareAndSet(null, t);
    }

    /** Throws the first failure, if any. */
    void check() {
        Throwable t = failure.get();
        if (t != null) {
            throw new IllegalStateException("a stream failed: " + t, t);
        }
    }

    /**
     * The streaming phase starts: each stream is done after {@code share} more bytes than the
     * pongs it has read. Call once every ping has its pong.
     */
    void startStreaming(long share) {
        long[] targets = new long[streams];
        for (int i = 0; i < streams; i++) {
            targets[i] = pings[i] * MESSAGE + share;
        }
        streamTargets = targets;
        streaming = true; // publishes streamTargets
    }

    /** Waits up to {@code millis} for every stream to have its share; true when they all have. */
    boolean awaitStreamed(long millis) throws InterruptedException {
        boolean all = done.await(millis, TimeUnit.MILLISECONDS);
        check();
        return all;
    }

    /** Bytes read in the streaming phase, so far. */
    long streamedBytes() {
        return streamed.sum();
    }

    /** When the last stream got the last byte of its share, {@link System#nanoTime()}. */
    long lastEnd() {
        return lastEnd.get();
    }

    /** The kept round trips, in nanoseconds, sorted. */
    long[] roundTrips() {
        long[] r = Arrays.copyOf(rtts, Math.min(recorded.get(), rtts.length));
        Arrays.sort(r);
        return r;
    }
}
