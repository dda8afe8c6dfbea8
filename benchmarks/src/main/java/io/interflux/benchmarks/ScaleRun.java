package io.interflux.benchmarks;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One measured JVM of the {@code scale} benchmark: N streams of one mechanism opened by one
 * implementation ({@link ScaleStreams}), so that the thread count and resident memory it reads
 * from {@code /proc/self/status} are that implementation's alone (plus the JVM's own threads,
 * the same in every run). Started by {@link ScaleBenchmark} in a session of its own; the main
 * thread does all the driving (no timer or watchdog thread of the benchmark's is counted):
 *
 * <ol>
 *   <li>opens the N streams;</li>
 *   <li>latency: paces 64-byte pings ({@link ScaleWorkload}), each echoed by the far end; the
 *       figure is half the round trip ({@code latency_p99_us} = p99 of RTT/2, both clock reads in
 *       this JVM, so no clocks of two processes are compared);</li>
 *   <li>throughput: tells every far end to stream its share, and times from that order to the
 *       last byte of the last stream;</li>
 *   <li>prints {@code result key=value ...}: the peak thread count and peak resident set
 *       ({@code VmHWM}) over the whole run, both also as they stood at the end of the latency
 *       phase (every stream open and idle but for its pings).</li>
 * </ol>
 *
 * <pre>{@code
 * java -cp interflux-benchmarks.jar io.interflux.benchmarks.ScaleRun pipe interflux-default 100 1.0
 * }</pre>
 *
 * It ends when its parent does (checked as it samples), and every phase is bounded.
 */
public final class ScaleRun {

    private static final long SAMPLE_NANOS = TimeUnit.MILLISECONDS.toNanos(25);
    private static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long STREAM_NANOS = TimeUnit.SECONDS.toNanos(120);

    private final ScaleWorkload workload;
    private final ScaleMeter meter;
    private final ProcStatus.Peak peak = new ProcStatus.Peak();
    private final long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
    private long lastSample;

    private ScaleRun(ScaleWorkload workload) {
        this.workload = workload;
        this.meter = new ScaleMeter(workload.streams, workload.maxSamples());
    }

    /** @param args mechanism, implementation, N, seconds, and where the far side is (a directory, a queue name, a socket) */
    public static void main(String[] args) {
        int status = 0;
        try {
            ScaleWorkload workload = new ScaleWorkload(args[0], Integer.parseInt(args[2]), Double.parseDouble(args[3]));
            new ScaleRun(workload).run(args[1], args.length > 4 ? args[4] : "");
        } catch (Throwable t) {
            System.out.println("error: " + t.toString().replace('\n', ' '));
            t.printStackTrace();
            status = 1;
        }
        System.out.flush();
        System.exit(status); // reading threads blocked in the kernel would keep the JVM up
    }

    /** Measures, and prints the result before the streams are closed, so that no release can lose it. */
    private void run(String impl, String where) throws Exception {
        peak.sample();
        try (ScaleStreams streams = ScaleStreams.create(workload.mechanism, impl, workload, where)) {
            long t0 = System.nanoTime();
            streams.open(meter);
            double setup = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "opened %d streams in %.2f s%n", workload.streams, setup);
            long[] pings = latency(streams);
            ProcStatus open = peak.sample();
            long[] rtt = meter.roundTrips();
            if (rtt.length == 0) {
                throw new IllegalStateException("no round trip was measured");
            }
            double seconds = throughput(streams);
            peak.sample();
            double rate = workload.messages()
                    ? meter.streamedBytes() / (double) ScaleMeter.MESSAGE / seconds
                    : meter.streamedBytes() / 1e6 / seconds;
            System.out.printf(Locale.ROOT, "result threads=%d rss_mb=%.1f throughput=%.6g p99_us=%.3f p50_us=%.3f"
                            + " samples=%d pings=%d refused=%d open_threads=%d open_rss_mb=%.1f setup_s=%.3f stream_s=%.3f",
                    peak.threads(), peak.hwmKb() / 1024.0, rate, half(rtt, 0.99), half(rtt, 0.50), rtt.length,
                    pings[0], pings[1], open.threads, open.rssKb / 1024.0, setup, seconds);
            System.out.println();
            System.out.flush();
        }
    }

    /** p{@code q} of the sorted round trips (nearest rank, as {@link Samples#percentile}), halved, in microseconds. */
    private static double half(long[] sortedRtt, double q) {
        return sortedRtt[Math.max(0, (int) Math.ceil(q * sortedRtt.length) - 1)] / 2e3;
    }

    /**
     * Paced pings, round-robin over the streams that have none in flight, open loop: a stall is
     * caught up by sending the pings that fell due, not by skipping them. Returns the pings sent
     * and refused (an endpoint full at the moment).
     */
    private long[] latency(ScaleStreams streams) throws Exception {
        int n = workload.streams;
        long interval = 1_000_000_000L / ScaleWorkload.RATE;
        long start = System.nanoTime();
        long warmEnd = start + workload.warmupNanos();
        long end = warmEnd + workload.windowNanos();
        long next = start;
        int cursor = 0;
        long sent = 0;
        long refused = 0;
        boolean recording = false;
        for (long now = start; now < end; now = System.nanoTime()) {
            sample(now);
            if (!recording && now >= warmEnd) {
                meter.record(true);
                recording = true;
            }
            if (now < next) {
                LockSupport.parkNanos(next - now);
                continue;
            }
            next += interval;
            for (int k = 0; k < n; k++) {
                int i = cursor;
                cursor = cursor + 1 == n ? 0 : cursor + 1;
                if (!meter.busy(i)) {
                    meter.sent(i);
                    if (streams.ping(i, ScaleWorkload.message('p', i))) {
                        sent++;
                    } else {
                        meter.unsent(i);
                        refused++;
                    }
                    break;
                }
            }
        }
        meter.record(false);
        long deadline = System.nanoTime() + DRAIN_NANOS;
        while (meter.inFlight() > 0) {
            long now = System.nanoTime();
            if (now > deadline) {
                throw new IllegalStateException(meter.inFlight() + " pongs missing " + DRAIN_NANOS / 1_000_000 + " ms after the last ping");
            }
            sample(now);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        meter.check();
        return new long[] {sent, refused};
    }

    /** Seconds from the order to stream to the last byte of the last stream. */
    private double throughput(ScaleStreams streams) throws Exception {
        meter.startStreaming(workload.sharePerStream());
        long t0 = System.nanoTime();
        streams.stream();
        while (!meter.awaitStreamed(5)) {
            long now = System.nanoTime();
            if (now - t0 > STREAM_NANOS) {
                throw new IllegalStateException("the streams took longer than " + STREAM_NANOS / 1_000_000_000L + " s: "
                        + meter.streamedBytes() + " of " + workload.sharePerStream() * workload.streams + " bytes arrived");
            }
            sample(now);
        }
        long expected = workload.sharePerStream() * workload.streams;
        if (meter.streamedBytes() != expected) {
            throw new IllegalStateException(meter.streamedBytes() + " of " + expected + " bytes arrived");
        }
        return (meter.lastEnd() - t0) / 1e9;
    }

    /** Keeps the peaks every {@link #SAMPLE_NANOS}, fails on a stream's error, ends with a parent that has gone. */
    private void sample(long now) {
        if (now - lastSample < SAMPLE_NANOS) {
            return;
        }
        lastSample = now;
        peak.sample();
        meter.check();
        long current = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
        if (current != parent) {
            Runtime.getRuntime().halt(3); // the benchmark is gone: so are we; our children see their pipes close
        }
    }
}
