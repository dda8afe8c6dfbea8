package io.interflux.benchmarks;

import io.interflux.Framing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Anonymous pipes to a child process: Interflux {@link io.interflux.pipe.ChildProcess} against
 * {@link java.lang.Process} streams read by blocking loops, interleaved round by round.
 *
 * <ul>
 *   <li>({@code pipe}, {@code 64KiB}, {@code throughput_mb_s}): {@code dd bs=64k} writing zeros,
 *       each chunk consumed in place in the read buffer (a {@code Codec} reading the
 *       {@code ByteBuffer} view), against {@code read(byte[65536])} into one reused array: the same
 *       work, no copy on either side; at least 0.9x. A second row, reported only, holds
 *       {@code byte[]} chunks (one copy into a new array each) against the same loop copying each
 *       read into a new array ({@code jdk-process-blocking-copy}).</li>
 *   <li>({@code pipe}, {@code 64B}, {@code messages_per_s}): a {@link PipeFrameWriter} child JVM
 *       writing 64-byte length-prefixed frames, read with {@code Framing.lengthPrefixed}, against
 *       {@code DataInputStream.readInt/readFully}; at least 1,000,000 frames/s and 1.0x.</li>
 *   <li>({@code pipe}, {@code 64B}, {@code rtt_p50_us} and {@code rtt_p99_us}): ping-pong with a
 *       {@link PipeEcho} child JVM, each pong sending the next ping, against a blocking
 *       write/flush/read loop; p50 at most 1.3x, p99 reported.</li>
 * </ul>
 *
 * Each comparison warms both sides up first, sizes a round from the warm-up so one side takes
 * about {@link BenchmarkConfig#secondsPerRound}, and reports the median round (for latencies,
 * the percentile over every measured round trip). Child JVMs stay up across rounds so their JIT
 * is warm; {@code dd} is started afresh per round and timed from its first chunk.
 */
public final class PipeBenchmark implements MechanismBenchmark {

    static final String MECHANISM = "pipe";
    static final Duration LIMIT = Duration.ofSeconds(60);
    static final int CHUNK = 64 * 1024;
    static final int PAYLOAD = PipeFrameWriter.PAYLOAD;
    static final Framing FRAMING = Framing.lengthPrefixed(4096);

    private static final int WARMUP_ROUNDS = 2;

    /** What one side of the frame benchmark reads from. */
    interface FrameSource extends AutoCloseable {
        /** Asks the child for {@code n} frames and reads them all; frames per second. */
        double framesPerSecond(int n) throws Exception;
    }

    /** What one side of the ping-pong benchmark plays against. */
    interface PingPong extends AutoCloseable {
        /** Plays {@code n} ping-pongs and returns each round trip in nanoseconds. */
        long[] roundTrips(int n) throws Exception;
    }

    @Override
    public String name() {
        return MECHANISM;
    }

    @Override
    public List<Target> run(BenchmarkConfig config) throws Exception {
        List<Target> targets = new ArrayList<>();
        targets.addAll(chunks(config));
        targets.add(frames(config));
        targets.addAll(pingPong(config));
        return targets;
    }

    private static List<Target> chunks(BenchmarkConfig config) throws Exception {
        List<String> warmCommand = dd(4096);
        Interleaved<ChunkMeter> warm = Interleaved.run(WARMUP_ROUNDS,
                () -> InterfluxPipe.chunks(warmCommand, true), () -> JdkPipe.chunks(warmCommand, false));
        double rate = Math.max(Samples.of(rates(warm.interflux)).median(), Samples.of(rates(warm.baseline)).median());
        long count = clamp((long) (rate * 1e6 * config.secondsPerRound / CHUNK), 1024, 128 * 1024);
        List<String> command = dd(count);
        log("64KiB chunks: %s (%d MiB per round)", String.join(" ", command), count * CHUNK >> 20);
        Interleaved<ChunkMeter> r = Interleaved.run(config.rounds,
                () -> InterfluxPipe.chunks(command, true), () -> JdkPipe.chunks(command, false));
        List<Double> interflux = rates(r.interflux);
        List<Double> jdk = rates(r.baseline);
        log("  MB/s per round: interflux in place %s, baseline reusing one array %s", Samples.list(interflux), Samples.list(jdk));
        log("  mean bytes per read: interflux %s, baseline %s",
                Samples.list(meanChunks(r.interflux)), Samples.list(meanChunks(r.baseline)));
        List<Target> targets = new ArrayList<>();
        targets.add(Target.atLeast(new Result(MECHANISM, "64KiB", "throughput_mb_s",
                Samples.of(interflux).median(), Samples.of(jdk).median(), "jdk-process-blocking", "MB/s"), 0.9));
        // the same loop copying each read into a new array: what a stream of chunks has to pay
        int copyRounds = Math.max(1, (config.rounds + 1) / 2);
        Interleaved<ChunkMeter> c = Interleaved.run(copyRounds,
                () -> InterfluxPipe.chunks(command, false), () -> JdkPipe.chunks(command, true));
        List<Double> interfluxAgain = rates(c.interflux);
        List<Double> jdkCopy = rates(c.baseline);
        log("  MB/s per round: interflux byte[] chunks %s, baseline copying each read %s",
                Samples.list(interfluxAgain), Samples.list(jdkCopy));
        targets.add(Target.reported(new Result(MECHANISM, "64KiB", "throughput_mb_s",
                Samples.of(interfluxAgain).median(), Samples.of(jdkCopy).median(), "jdk-process-blocking-copy", "MB/s")));
        return targets;
    }

    private static Target frames(BenchmarkConfig config) throws Exception {
        List<String> command = childJvm(PipeFrameWriter.class);
        try (FrameSource interflux = new InterfluxPipe.Frames(command);
             FrameSource jdk = new JdkPipe.Frames(command)) {
            int warmFrames = 1_000_000;
            Interleaved<Double> warm = Interleaved.run(WARMUP_ROUNDS,
                    () -> interflux.framesPerSecond(warmFrames), () -> jdk.framesPerSecond(warmFrames));
            double rate = Math.max(Samples.of(warm.interflux).median(), Samples.of(warm.baseline).median());
            int n = (int) clamp((long) (rate * config.secondsPerRound), 200_000, 50_000_000);
            log("64B frames: %s (%d frames per round)", String.join(" ", command), n);
            Interleaved<Double> r = Interleaved.run(config.rounds,
                    () -> interflux.framesPerSecond(n), () -> jdk.framesPerSecond(n));
            logRounds("frames/s", r);
            Result result = new Result(MECHANISM, "64B", "messages_per_s",
                    Samples.of(r.interflux).median(), Samples.of(r.baseline).median(),
                    "jdk-datainputstream-blocking", "msg/s");
            return Target.atLeast(result, 1.0, 1_000_000);
        }
    }

    private static List<Target> pingPong(BenchmarkConfig config) throws Exception {
        List<String> command = childJvm(PipeEcho.class);
        try (PingPong interflux = new InterfluxPipe.PingPong(command);
             PingPong jdk = new JdkPipe.PingPong(command)) {
            int warmTrips = 20_000;
            Interleaved<long[]> warm = Interleaved.run(WARMUP_ROUNDS,
                    () -> interflux.roundTrips(warmTrips), () -> jdk.roundTrips(warmTrips));
            double p50 = Math.min(Samples.microsFromNanos(warm.interflux).median(),
                    Samples.microsFromNanos(warm.baseline).median());
            int n = (int) clamp((long) (config.secondsPerRound * 1e6 / p50), 2_000, 500_000);
            log("64B ping-pong: %s (%d round trips per round)", String.join(" ", command), n);
            Interleaved<long[]> r = Interleaved.run(config.rounds,
                    () -> interflux.roundTrips(n), () -> jdk.roundTrips(n));
            List<Double> p50Interflux = new ArrayList<>();
            List<Double> p50Jdk = new ArrayList<>();
            for (int i = 0; i < config.rounds; i++) {
                p50Interflux.add(Samples.microsFromNanos(List.of(r.interflux.get(i))).median());
                p50Jdk.add(Samples.microsFromNanos(List.of(r.baseline.get(i))).median());
            }
            log("  p50 us per round: interflux %s, baseline %s", Samples.list(p50Interflux), Samples.list(p50Jdk));
            Samples a = Samples.microsFromNanos(r.interflux);
            Samples b = Samples.microsFromNanos(r.baseline);
            String baseline = "jdk-blocking-pingpong";
            List<Target> targets = new ArrayList<>();
            targets.add(Target.atMost(new Result(MECHANISM, "64B", "rtt_p50_us",
                    a.median(), b.median(), baseline, "us"), 1.3));
            targets.add(Target.reported(new Result(MECHANISM, "64B", "rtt_p99_us",
                    a.percentile(0.99), b.percentile(0.99), baseline, "us")));
            return targets;
        }
    }

    /** {@code dd} writing {@code count} blocks of 64 KiB of zeros to stdout. */
    private static List<String> dd(long count) {
        return List.of("dd", "if=/dev/zero", "bs=" + CHUNK, "count=" + count, "status=none");
    }

    /** A child JVM running {@code main} from this jar, small and with one GC thread. */
    static List<String> childJvm(Class<?> main) {
        return List.of(BenchmarkConfig.javaExecutable(), "-Xmx64m", "-XX:+UseSerialGC",
                "-cp", BenchmarkConfig.classPath(), main.getName());
    }

    private static List<Double> rates(List<ChunkMeter> meters) {
        return meters.stream().map(ChunkMeter::megabytesPerSecond).collect(Collectors.toList());
    }

    private static List<Double> meanChunks(List<ChunkMeter> meters) {
        return meters.stream().map(ChunkMeter::meanChunk).collect(Collectors.toList());
    }

    private static long clamp(long v, long min, long max) {
        return Math.max(min, Math.min(max, v));
    }

    private static void logRounds(String unit, Interleaved<Double> r) {
        log("  %s per round: interflux %s, baseline %s", unit, Samples.list(r.interflux), Samples.list(r.baseline));
    }

    static void log(String format, Object... args) {
        System.out.println(String.format(Locale.ROOT, format, args));
    }

    /** The 64-byte payload every frame carries: bytes 0, 1, ..., 63. */
    static byte[] payload() {
        byte[] p = new byte[PAYLOAD];
        for (int i = 0; i < PAYLOAD; i++) {
            p[i] = (byte) i;
        }
        return p;
    }

    /** Fails unless {@code frame} is the 64-byte payload; cheap enough to run on every frame. */
    static void checkFrame(byte[] frame) {
        if (frame.length != PAYLOAD || frame[0] != 0 || frame[PAYLOAD - 1] != PAYLOAD - 1) {
            throw new IllegalStateException("unexpected frame of " + frame.length + " bytes");
        }
    }

    /** {@code n} as the 4-byte big-endian count {@link PipeFrameWriter} reads. */
    static byte[] count(int n) {
        return new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
    }

    static void checkExit(List<String> command, Integer status) {
        if (status == null || status != 0) {
            throw new IllegalStateException(command + " ended with status " + status);
        }
    }

    /** Waits for {@code done}; fails with the side's error, or after {@link #LIMIT}. */
    static void await(CountDownLatch done, Supplier<Throwable> failure, String what) throws Exception {
        if (!done.await(LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("no end to " + what + " within " + LIMIT);
        }
        Throwable t = failure.get();
        if (t != null) {
            throw new IllegalStateException(what + " failed", t);
        }
    }

    /** Bytes and time from the first chunk (excluded: it only starts the clock) to the last. */
    static final class ChunkMeter {
        private long first;
        private long last;
        private long bytes;
        private long chunks;

        void chunk(int length) {
            long now = System.nanoTime();
            if (first == 0) {
                first = now;
            } else {
                bytes += length;
                chunks++;
            }
            last = now;
        }

        /** Mean bytes per chunk (per read), a hint at how often the reader caught up with the writer. */
        double meanChunk() {
            return chunks == 0 ? 0 : (double) bytes / chunks;
        }

        double megabytesPerSecond() {
            if (bytes == 0) {
                throw new IllegalStateException("fewer than two chunks arrived");
            }
            return bytes / 1e6 / ((last - first) / 1e9);
        }
    }
}
