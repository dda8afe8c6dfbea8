package io.interflux.benchmarks;

import io.interflux.Codec;
import io.interflux.Creation;
import io.interflux.shm.Producers;
import io.interflux.shm.SharedRing;
import io.interflux.shm.SharedRingSpec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Shared-memory rings between two JVMs, this one and a {@link ShmPeer} child: Interflux
 * {@link SharedRing} against Agrona's ring buffers over a file in {@code /dev/shm} driven by
 * busy-spin loops ({@link AgronaSpinRing}, {@code agrona-spin}), interleaved round by round.
 * Every ring holds {@value #CAPACITY} bytes of records, Interflux's and Agrona's alike.
 *
 * <ul>
 *   <li>({@code shm}, {@code 64B}, {@code messages_per_s}) against {@code agrona-spin}: the peer
 *       produces with {@code ring.send(Flux of byte[64], Codec.bytes())} into a ring of
 *       {@link Producers#ONE}, this JVM counts {@code ring.receive(Codec.bytes())}; the baseline
 *       is a {@code OneToOneRingBuffer}, the same single-producer ring without the
 *       compare-and-swap. At least 0.5x. Interflux hands on each payload as a new array, the
 *       baseline reads records in place.</li>
 *   <li>The same against {@code agrona-spin-many-to-one}: a ring of {@link Producers#MANY} (the
 *       default) against a {@code ManyToOneRingBuffer}; reported.</li>
 *   <li>({@code shm}, {@code 64B}, {@code rtt_p50_us}): ping-pong over two rings of
 *       {@link Producers#ONE}, the peer receiving on one and sending each record back on the
 *       other, against the same over two {@code OneToOneRingBuffer}s with spinning loops on both
 *       sides; at most 2x. p99 reported.</li>
 *   <li>({@code shm}, {@code 64B}, {@code wake_rtt_p50_us}): the same ping-pong with
 *       {@value #GAP_MILLIS} ms between a pong and the next ping, far longer than the rings'
 *       50 us adaptive spin, so every round trip wakes a sleeping consumer through its doorbell
 *       at each end; against a blocking ping-pong over pipes with a {@link PipeEcho} child
 *       ({@code jdk-blocking-pipe-pingpong}), same gap. At most 1.5x. p99 reported.</li>
 *   <li>({@code shm}, {@code 64KiB}, {@code throughput_mb_s}) against {@code agrona-spin}, rings
 *       of {@link Producers#ONE} as above; reported.</li>
 * </ul>
 *
 * Each comparison warms both sides up, sizes a round from the warm-up so the slower side takes
 * about {@link BenchmarkConfig#secondsPerRound} (the spinning baseline is several times faster at
 * throughput, and sizing for it would make the run several times longer), and reports the median round (for latencies, the
 * percentile over every measured round trip). One peer serves the whole run; only the side being
 * measured runs, so a spinning baseline never competes with Interflux for the two cores.
 *
 * <p>Every JVM here needs {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED}: Agrona 2
 * uses {@code jdk.internal.misc.Unsafe}. The benchmark jar's manifest exports it when run with
 * {@code java -jar}; {@link Benchmarks} says so otherwise; the peer is started with the flag.
 */
public final class ShmBenchmark implements MechanismBenchmark {

    static final String MECHANISM = "shm";
    static final Duration LIMIT = Duration.ofSeconds(60);
    static final int CAPACITY = SharedRingSpec.DEFAULT_CAPACITY;
    static final int SMALL = 64;
    static final int CHUNK = 64 * 1024;
    static final int GAP_MILLIS = 3;
    static final String AGRONA_SPIN = "agrona-spin";

    private static final int WARMUP_ROUNDS = 2;

    @Override
    public String name() {
        return MECHANISM;
    }

    @Override
    public List<Target> run(BenchmarkConfig config) throws Exception {
        ShmSetup.removeStale();
        List<Target> targets = new ArrayList<>();
        try (ShmSetup setup = ShmSetup.open()) {
            targets.add(Target.atLeast(messages(setup, config, "one", AGRONA_SPIN), 0.5));
            targets.add(Target.reported(messages(setup, config, "many", AGRONA_SPIN + "-many-to-one")));
            targets.addAll(pingPong(setup, config));
            targets.addAll(wakeUps(setup, config));
            targets.add(Target.reported(chunks(setup, config)));
            targets.add(Target.reported(idleCpu(setup)));
        }
        return targets;
    }

    private static Result messages(ShmSetup setup, BenchmarkConfig config, String role, String baseline)
            throws Exception {
        int[] n = {200_000};
        Interleaved<Double> warm = measureRates(setup, role, SMALL, n, WARMUP_ROUNDS);
        double rate = Math.min(Samples.of(warm.interflux).median(), Samples.of(warm.baseline).median());
        n[0] = (int) clamp((long) (rate * config.secondsPerRound), 100_000, 50_000_000);
        PipeBenchmark.log("shm 64B messages, Producers.%s against %s: %d per round", role.toUpperCase(Locale.ROOT),
                baseline, n[0]);
        // again at full size: the JIT is still compiling both sides' loops after the sizing rounds
        measureRates(setup, role, SMALL, n, WARMUP_ROUNDS);
        Interleaved<Double> r = measureRates(setup, role, SMALL, n, config.rounds);
        PipeBenchmark.log("  msg/s per round: interflux %s, baseline %s", Samples.list(r.interflux), Samples.list(r.baseline));
        return new Result(MECHANISM, "64B", "messages_per_s", Samples.of(r.interflux).median(),
                Samples.of(r.baseline).median(), baseline, "msg/s");
    }

    private static Result chunks(ShmSetup setup, BenchmarkConfig config) throws Exception {
        int[] n = {2_000};
        Interleaved<Double> warm = measureRates(setup, "one", CHUNK, n, WARMUP_ROUNDS);
        double rate = Math.min(Samples.of(warm.interflux).median(), Samples.of(warm.baseline).median());
        n[0] = (int) clamp((long) (rate * config.secondsPerRound), 1_000, 500_000);
        PipeBenchmark.log("shm 64KiB messages, Producers.ONE against %s: %d per round (%d MiB)", AGRONA_SPIN, n[0],
                (long) n[0] * CHUNK >> 20);
        Interleaved<Double> r = measureRates(setup, "one", CHUNK, n, config.rounds);
        List<Double> interflux = megabytes(r.interflux);
        List<Double> agrona = megabytes(r.baseline);
        PipeBenchmark.log("  MB/s per round: interflux %s, baseline %s", Samples.list(interflux), Samples.list(agrona));
        return new Result(MECHANISM, "64KiB", "throughput_mb_s", Samples.of(interflux).median(),
                Samples.of(agrona).median(), AGRONA_SPIN, "MB/s");
    }

    private static List<Double> megabytes(List<Double> messagesPerSecond) {
        List<Double> mb = new ArrayList<>();
        for (double m : messagesPerSecond) {
            mb.add(m * CHUNK / 1e6);
        }
        return mb;
    }

    /** {@code rounds} of {@code n[0]} messages of {@code size} bytes, the peer producing: messages per second. */
    private static Interleaved<Double> measureRates(ShmSetup setup, String role, int size, int[] n, int rounds)
            throws Exception {
        SharedRing ring = setup.ring(role);
        AgronaSpinRing spin = setup.spin(role);
        Interleaved.Side<Double> flux = () -> {
            long t0 = System.nanoTime();
            setup.peer.start("send " + role + " " + n[0] + " " + size);
            Long got = ShmPeer.receive(ring).take(n[0]).count().block(LIMIT);
            double rate = n[0] / ((System.nanoTime() - t0) / 1e9);
            setup.peer.awaitDone();
            if (got == null || got != n[0]) {
                throw new IllegalStateException("received " + got + " of " + n[0]);
            }
            return rate;
        };
        Interleaved.Side<Double> agrona = () -> {
            long t0 = System.nanoTime();
            setup.peer.start("spin-send " + role + " " + n[0] + " " + size);
            spin.receive(n[0], size);
            double rate = n[0] / ((System.nanoTime() - t0) / 1e9);
            setup.peer.awaitDone();
            return rate;
        };
        return Interleaved.run(rounds, flux, agrona);
    }

    private static List<Target> pingPong(ShmSetup setup, BenchmarkConfig config) throws Exception {
        int[] n = {20_000};
        Interleaved.Side<long[]> flux = () -> interfluxTrips(setup, n[0], Duration.ZERO);
        Interleaved.Side<long[]> agrona = () -> {
            AgronaSpinRing ping = setup.spin("ping");
            AgronaSpinRing pong = setup.spin("pong");
            byte[] payload = payload(SMALL);
            long[] rtt = new long[n[0]];
            setup.peer.start("spin-echo " + n[0]);
            for (int i = 0; i < rtt.length; i++) {
                rtt[i] = ping.roundTrip(payload, pong);
            }
            setup.peer.awaitDone();
            return rtt;
        };
        Interleaved<long[]> warm = Interleaved.run(WARMUP_ROUNDS, flux, agrona);
        double p50 = Math.max(Samples.microsFromNanos(warm.interflux).median(),
                Samples.microsFromNanos(warm.baseline).median());
        n[0] = (int) clamp((long) (config.secondsPerRound * 1e6 / p50), 2_000, 300_000);
        PipeBenchmark.log("shm 64B ping-pong over two rings of Producers.ONE: %d round trips per round", n[0]);
        Interleaved<long[]> r = Interleaved.run(config.rounds, flux, agrona);
        return latencies(r, config, "rtt", AGRONA_SPIN, 2.0);
    }

    static final long IDLE_MILLIS = 10_000;

    /**
     * The CPU time the peer JVM uses in 10 s with a receive subscribed to an empty ring, against
     * the same JVM idle without one: what a sleeping consumer costs beyond the JVM's own
     * housekeeping. Read from {@code /proc/<pid>/stat} in clock ticks (10 ms); a figure under one
     * tick counts as one, so the ratio stays defined.
     */
    private static Result idleCpu(ShmSetup setup) throws Exception {
        double without = idleMillis(setup, "none");
        double with = idleMillis(setup, "receive");
        PipeBenchmark.log("shm idle consumer: the peer JVM used %.0f ms of CPU in %d s with a receive subscribed,"
                + " %.0f ms without", with, IDLE_MILLIS / 1000, without);
        return new Result(MECHANISM, "idle", "cpu_ms_per_10s", Math.max(with, 10), Math.max(without, 10),
                "same-jvm-without-receive", "ms");
    }

    private static double idleMillis(ShmSetup setup, String mode) throws Exception {
        setup.peer.start("hold " + mode + " " + IDLE_MILLIS);
        setup.peer.awaitLine("holding");
        long before = cpuTicks(setup.peer.process.pid());
        long t0 = System.nanoTime();
        setup.peer.awaitDone();
        long after = cpuTicks(setup.peer.process.pid());
        double seconds = (System.nanoTime() - t0) / 1e9;
        return (after - before) * 10.0 * (IDLE_MILLIS / 1000.0) / seconds;
    }

    /** utime + stime of {@code pid}, in clock ticks of 10 ms (USER_HZ is 100 on Linux). */
    static long cpuTicks(long pid) throws java.io.IOException {
        String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** Round trips, and the gap between them, with which the wake rows warm up. */
    static final int WARM_WAKE_TRIPS = 20_000;
    static final long WARM_GAP_NANOS = 200_000;

    private static List<Target> wakeUps(ShmSetup setup, BenchmarkConfig config) throws Exception {
        Duration gap = Duration.ofMillis(GAP_MILLIS);
        try (JdkPipe.PingPong pipe = new JdkPipe.PingPong(PipeBenchmark.childJvm(PipeEcho.class))) {
            // the warm-up runs the sleep-and-wake path as often as the JIT needs to compile it
            // (a path taken every 3 ms would still be interpreted after a few hundred round
            // trips, and measure the interpreter): gaps of 200 us, still longer than the 50 us
            // spin, so each of them sleeps at both ends too
            Duration warmGap = Duration.ofNanos(WARM_GAP_NANOS);
            Interleaved.run(1, () -> interfluxTrips(setup, WARM_WAKE_TRIPS, warmGap),
                    () -> pipe.roundTrips(WARM_WAKE_TRIPS, warmGap.toNanos()));
            int[] n = {30};
            Interleaved.Side<long[]> flux = () -> interfluxTrips(setup, n[0], gap);
            Interleaved.Side<long[]> blocking = () -> pipe.roundTrips(n[0], gap.toNanos());
            Interleaved.Side<long[]> bothAsleep = () -> pipe.roundTripsBothAsleep(n[0], gap.toNanos());
            pipe.roundTripsBothAsleep(WARM_WAKE_TRIPS, warmGap.toNanos());
            n[0] = (int) clamp((long) (config.secondsPerRound * 1000 / GAP_MILLIS), 30, 10_000);
            PipeBenchmark.log("shm 64B ping-pong, %d ms between round trips, against a pipe whose pinger reads"
                    + " the pong itself (one sleeping side): %d round trips per round", GAP_MILLIS, n[0]);
            List<Target> targets = new ArrayList<>(latencies(Interleaved.run(config.rounds, flux, blocking), config,
                    "wake_rtt", "jdk-blocking-pipe-pingpong", 0));
            PipeBenchmark.log("shm 64B ping-pong, %d ms between round trips, against a pipe whose pongs a thread"
                    + " of their own reads (a sleeping side at both ends, as with the rings)", GAP_MILLIS);
            targets.addAll(latencies(Interleaved.run(config.rounds, flux, bothAsleep), config,
                    "wake_rtt", "jdk-blocking-pipe-both-asleep", 1.5));
            return targets;
        }
    }

    /** Round trips through the Interflux rings: this JVM pings and times, the peer echoes. */
    private static long[] interfluxTrips(ShmSetup setup, int n, Duration gap) throws Exception {
        SharedRing ping = setup.ring("ping");
        SharedRing pong = setup.ring("pong");
        setup.peer.start("echo " + n);
        long[] rtt = RoundTrips.measure(pings -> ping.send(pings, Codec.bytes()), ShmPeer.receive(pong),
                payload(SMALL), n, gap);
        setup.peer.awaitDone();
        return rtt;
    }

    /** The p50 row, held to {@code maxRatio}, and the p99 row, reported. */
    private static List<Target> latencies(Interleaved<long[]> r, BenchmarkConfig config, String metric,
                                          String baseline, double maxRatio) {
        List<Double> p50Interflux = new ArrayList<>();
        List<Double> p50Baseline = new ArrayList<>();
        for (int i = 0; i < config.rounds; i++) {
            p50Interflux.add(Samples.microsFromNanos(List.of(r.interflux.get(i))).median());
            p50Baseline.add(Samples.microsFromNanos(List.of(r.baseline.get(i))).median());
        }
        PipeBenchmark.log("  p50 us per round: interflux %s, baseline %s", Samples.list(p50Interflux),
                Samples.list(p50Baseline));
        Samples a = Samples.microsFromNanos(r.interflux);
        Samples b = Samples.microsFromNanos(r.baseline);
        PipeBenchmark.log("  rtt us: interflux %s; baseline %s", a.spread(), b.spread());
        List<Target> targets = new ArrayList<>();
        Result p50 = new Result(MECHANISM, "64B", metric + "_p50_us", a.median(), b.median(), baseline, "us");
        targets.add(maxRatio > 0 ? Target.atMost(p50, maxRatio) : Target.reported(p50));
        targets.add(Target.reported(new Result(MECHANISM, "64B", metric + "_p99_us", a.percentile(0.99),
                b.percentile(0.99), baseline, "us")));
        return targets;
    }

    /** {@code size} bytes 0, 1, 2, ... (mod 256). */
    static byte[] payload(int size) {
        byte[] p = new byte[size];
        for (int i = 0; i < size; i++) {
            p[i] = (byte) i;
        }
        return p;
    }

    private static long clamp(long v, long min, long max) {
        return Math.max(min, Math.min(max, v));
    }

    /** An Interflux ring spec of {@code role} as this benchmark creates it. */
    static SharedRingSpec spec(String base, String role) {
        return SharedRing.named(ShmPeer.ringName(base, role)).creation(Creation.CREATE_NEW).capacity(CAPACITY)
                .producers(ShmPeer.many(role) ? Producers.MANY : Producers.ONE);
    }
}
