package io.interflux.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One group of the socket benchmarks ({@code chunks}, {@code frames} or {@code rtt}), in a JVM
 * of its own started by {@link SocketBenchmark}, so that no other group's code has shaped the
 * JIT's profile of the paths it measures. It binds the measuring ends (Interflux,
 * reactor-netty, the blocking JDK loop) on a Unix socket and then on loopback TCP, starts a
 * {@link SocketPeer} child to send or echo, measures the three interleaved round by round
 * ({@link Interleaved#runEach}), and prints its progress, then {@code rows N} and N lines
 * {@code row MECHANISM SIZE METRIC INTERFLUX BASELINE BASELINE_NAME UNIT TARGET BOUND}.
 *
 * <pre>{@code
 * java -cp interflux-benchmarks.jar io.interflux.benchmarks.SocketGroup frames 5 1.0 /tmp/ifx-bench-socket-42/frames
 * }</pre>
 */
public final class SocketGroup {

    static final String NETTY = "reactor-netty";
    static final String JDK = "jdk-blocking";
    private static final List<String> IMPLS = List.of("interflux", NETTY, "jdk");
    /** Short rounds that size the measured ones. */
    private static final int SIZING_ROUNDS = 2;
    /**
     * Unmeasured rounds at full size after the sizing: on two cores the JIT is still compiling the
     * reactor-netty and Netty paths for seconds after the sizing rounds, and a 64-byte frame rate
     * keeps rising for three or four seconds of running.
     */
    private static final int WARMUP_ROUNDS = 2;

    private final SocketEnd.Work work;
    private final BenchmarkConfig config;
    private final PeerJvm peer;
    private final List<String> rows = new ArrayList<>();

    /** The fewest measured rounds of the 64 KiB rows, whatever {@code --rounds} says. */
    static final int CHUNK_ROUNDS = 9;

    private SocketGroup(SocketEnd.Work work, BenchmarkConfig config, PeerJvm peer) {
        this.work = work;
        this.config = config;
        this.peer = peer;
    }

    /** The work a group measures, by its name on the command line. */
    static SocketEnd.Work work(String group) {
        switch (group) {
            case "chunks":
                return SocketEnd.Work.CHUNKS;
            case "frames":
                return SocketEnd.Work.FRAMES;
            case "rtt":
                return SocketEnd.Work.ECHO;
            default:
                throw new IllegalArgumentException("chunks, frames or rtt required but it was " + group);
        }
    }

    public static void main(String[] args) throws Exception {
        SocketEnd.Work work = work(args[0]);
        BenchmarkConfig config = new BenchmarkConfig(Integer.parseInt(args[1]), Double.parseDouble(args[2]));
        Path dir = Path.of(args[3]);
        ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> {
            // the parent is gone (killed): this group's files, and the run's directory when it is the last
            SocketBenchmark.removeTree(dir);
            try {
                Files.deleteIfExists(dir.getParent());
            } catch (java.io.IOException notEmpty) {
                // left for the next run's removeStale
            }
            Runtime.getRuntime().halt(3);
        }));
        Files.createDirectories(dir);
        try (PeerJvm peer = new PeerJvm("socket peer", SocketPeer.class)) {
            peer.awaitLine("ready");
            List<CpuAffinity> pins = pin(peer);
            SocketGroup group = new SocketGroup(work, config, peer);
            for (String transport : List.of("unix", "tcp")) {
                List<SocketEnd> ends = new ArrayList<>();
                try {
                    for (String impl : IMPLS) {
                        Path unix = transport.equals("unix") ? dir.resolve(impl + ".sock") : null;
                        ends.add(listen(impl, work, unix));
                    }
                    if (work == SocketEnd.Work.ECHO) {
                        group.roundTrips(transport, ends);
                    } else {
                        group.rates(transport, ends);
                    }
                } finally {
                    for (SocketEnd end : ends) {
                        end.close();
                    }
                }
            }
            for (CpuAffinity pin : pins) {
                pin.restore();
            }
            System.out.println("rows " + group.rows.size());
            group.rows.forEach(System.out::println);
        } finally {
            SocketBenchmark.removeTree(dir);
        }
        System.exit(0);
    }

    /**
     * This JVM on CPU 0 and the peer on CPU 1, where taskset and two CPUs allow. Left to the
     * scheduler, a sender and a receiver share one CPU in some rounds and not in others, and on
     * two cores that alone moved a 64 KiB round between about 0.7 and 2.6 GB/s for every
     * implementation, so that a median of per-round ratios ran from 0.27 to 1.5.
     */
    private static List<CpuAffinity> pin(PeerJvm peer) throws Exception {
        if (!CpuAffinity.available() || System.getenv("IFX_BENCH_NO_PIN") != null) {
            PipeBenchmark.log("  unpinned: taskset or a second CPU is missing");
            return List.of();
        }
        List<CpuAffinity> pins = new ArrayList<>();
        pins.add(CpuAffinity.pin(ProcessHandle.current().pid(), 0));
        pins.add(CpuAffinity.pin(peer.process.pid(), 1));
        PipeBenchmark.log("  the measuring JVM pinned to CPU 0, its peer to CPU 1");
        return pins;
    }

    /** The measuring end of {@code impl} for {@code work}, at {@code unix} or, when null, on a loopback port. */
    private static SocketEnd listen(String impl, SocketEnd.Work work, Path unix) throws java.io.IOException {
        switch (impl) {
            case "interflux":
                return InterfluxSocket.listen(work, unix);
            case NETTY:
                return NettySocket.listen(work, unix);
            default:
                return JdkSocket.listen(work, unix);
        }
    }

    private String label(String transport) {
        return String.format(Locale.ROOT, "socket %s %s", transport, work == SocketEnd.Work.CHUNKS ? "64KiB chunks"
                : work == SocketEnd.Work.FRAMES ? "64B frames" : "64B ping-pong");
    }

    /** Chunks or frames per second of each end, {@code count[0]} of them per round. */
    private Interleaved.Side<Double> rate(String impl, SocketEnd end, int[] count) {
        String what = work.name().toLowerCase(Locale.ROOT);
        return () -> {
            long expected = work == SocketEnd.Work.CHUNKS ? (long) count[0] * SocketEnd.CHUNK : count[0];
            end.expect(expected);
            peer.start("send " + impl + " " + what + " " + end.address() + " " + count[0]);
            SocketEnd.Received r = end.receive();
            peer.awaitDone();
            if (r.amount != expected) {
                throw new IllegalStateException(impl + " at " + end.address() + " received " + r.amount + " of " + expected);
            }
            return work == SocketEnd.Work.CHUNKS ? r.perSecond() / 1e6 : r.perSecond();
        };
    }

    private void rates(String transport, List<SocketEnd> ends) throws Exception {
        boolean chunks = work == SocketEnd.Work.CHUNKS;
        int[] count = {chunks ? 2_048 : 300_000};
        List<Interleaved.Side<Double>> sides = new ArrayList<>();
        for (int i = 0; i < ends.size(); i++) {
            sides.add(rate(IMPLS.get(i), ends.get(i), count));
        }
        size(count, Interleaved.runEach(SIZING_ROUNDS, sides.get(0), sides.subList(1, 3)));
        // sized again once warm: cold rounds ran at a third of the warm rate or less, so rounds
        // sized from them alone lasted a fraction of the second asked for, and swung the most
        size(count, Interleaved.runEach(WARMUP_ROUNDS, sides.get(0), sides.subList(1, 3)));
        PipeBenchmark.log("%s: %d per round (%s)", label(transport), count[0],
                chunks ? ((long) count[0] * SocketEnd.CHUNK >> 20) + " MiB" : "frames");
        // 64 KiB rounds swing most here (per-round ratios from 0.84 to 2.0 within one run): a median
        // of five of them landed anywhere from 0.66 to 1.19 on the same code, so they get more rounds
        int rounds = chunks ? Math.max(config.rounds, CHUNK_ROUNDS) : config.rounds;
        List<Interleaved<Double>> r = Interleaved.runEach(rounds, sides.get(0), sides.subList(1, 3));
        String unit = chunks ? "MB/s" : "msg/s";
        PipeBenchmark.log("  %s per round: interflux %s, %s %s, %s %s", unit, Samples.list(r.get(0).interflux),
                NETTY, Samples.list(r.get(0).baseline), JDK, Samples.list(r.get(1).baseline));
        PipeBenchmark.log("  interflux / %s per round: %s (median %.3f)", NETTY, Samples.list(ratios(r.get(0))),
                Samples.of(ratios(r.get(0))).median());
        String size = chunks ? "64KiB" : "64B";
        String metric = chunks ? "throughput_mb_s" : "messages_per_s";
        row(transport, size, metric, r.get(0).interflux, r.get(0).baseline, NETTY, unit, "atLeast", 0.95);
        row(transport, size, metric, r.get(1).interflux, r.get(1).baseline, JDK, unit, "reported", Double.NaN);
    }

    /** Sets {@code count[0]} so that the slowest of {@code measured} would take a round's seconds. */
    private void size(int[] count, List<Interleaved<Double>> measured) {
        double slowest = Math.min(Samples.of(measured.get(0).interflux).median(),
                Math.min(Samples.of(measured.get(0).baseline).median(), Samples.of(measured.get(1).baseline).median()));
        double perRound = slowest * config.secondsPerRound;
        count[0] = work == SocketEnd.Work.CHUNKS ? (int) clamp((long) (perRound * 1e6 / SocketEnd.CHUNK), 1_024, 1 << 20)
                : (int) clamp((long) perRound, 100_000, 50_000_000);
    }

    private Interleaved.Side<long[]> trips(String impl, SocketEnd end, int[] count) {
        return () -> {
            peer.start("echo " + impl + " " + end.address());
            long[] rtt = end.roundTrips(count[0]);
            peer.awaitDone();
            return rtt;
        };
    }

    private void roundTrips(String transport, List<SocketEnd> ends) throws Exception {
        int[] count = {10_000};
        List<Interleaved.Side<long[]>> sides = new ArrayList<>();
        for (int i = 0; i < ends.size(); i++) {
            sides.add(trips(IMPLS.get(i), ends.get(i), count));
        }
        List<Interleaved<long[]>> warm = Interleaved.runEach(SIZING_ROUNDS, sides.get(0), sides.subList(1, 3));
        double slowest = Math.max(Samples.microsFromNanos(warm.get(0).interflux).median(),
                Math.max(Samples.microsFromNanos(warm.get(0).baseline).median(),
                        Samples.microsFromNanos(warm.get(1).baseline).median()));
        count[0] = (int) clamp((long) (config.secondsPerRound * 1e6 / slowest), 2_000, 300_000);
        PipeBenchmark.log("%s: %d round trips per round", label(transport), count[0]);
        Interleaved.runEach(WARMUP_ROUNDS, sides.get(0), sides.subList(1, 3));
        List<Interleaved<long[]>> r = Interleaved.runEach(config.rounds, sides.get(0), sides.subList(1, 3));
        PipeBenchmark.log("  p50 us per round: interflux %s, %s %s, %s %s", Samples.list(p50s(r.get(0).interflux)),
                NETTY, Samples.list(p50s(r.get(0).baseline)), JDK, Samples.list(p50s(r.get(1).baseline)));
        Samples interflux = Samples.microsFromNanos(r.get(0).interflux);
        Samples netty = Samples.microsFromNanos(r.get(0).baseline);
        Samples jdk = Samples.microsFromNanos(r.get(1).baseline);
        PipeBenchmark.log("  rtt us: interflux %s; %s %s; %s %s", interflux.spread(), NETTY, netty.spread(), JDK,
                jdk.spread());
        row(transport, "64B", "rtt_p50_us", interflux.median(), netty.median(), NETTY, "us", "atMost", 1.1);
        row(transport, "64B", "rtt_p50_us", interflux.median(), jdk.median(), JDK, "us", "reported", Double.NaN);
        row(transport, "64B", "rtt_p99_us", interflux.percentile(0.99), netty.percentile(0.99), NETTY, "us",
                "reported", Double.NaN);
        row(transport, "64B", "rtt_p99_us", interflux.percentile(0.99), jdk.percentile(0.99), JDK, "us",
                "reported", Double.NaN);
    }

    /** Interflux over the baseline round by round: the pairs ran next to each other, so drift mostly cancels. */
    private static List<Double> ratios(Interleaved<Double> r) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < r.interflux.size(); i++) {
            ratios.add(r.interflux.get(i) / r.baseline.get(i));
        }
        return ratios;
    }

    private static List<Double> p50s(List<long[]> rounds) {
        List<Double> p50 = new ArrayList<>();
        for (long[] round : rounds) {
            p50.add(Samples.microsFromNanos(List.of(round)).median());
        }
        return p50;
    }

    private void row(String transport, String size, String metric, List<Double> interflux, List<Double> baseline,
                     String baselineName, String unit, String target, double bound) {
        row(transport, size, metric, Samples.of(interflux).median(), Samples.of(baseline).median(), baselineName, unit,
                target, bound);
    }

    private void row(String transport, String size, String metric, double interflux, double baseline,
                     String baselineName, String unit, String target, double bound) {
        rows.add(String.join(" ", "row", transport, size, metric, Double.toString(interflux), Double.toString(baseline),
                baselineName, unit, target, Double.toString(bound)));
    }

    static long clamp(long v, long min, long max) {
        return Math.max(min, Math.min(max, v));
    }
}
