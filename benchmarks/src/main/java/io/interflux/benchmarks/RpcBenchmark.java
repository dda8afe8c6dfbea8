package io.interflux.benchmarks;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * RPC between processes: Interflux RPC ({@code io.interflux.rpc}, RSocket 1.0) over a Unix socket
 * ({@code rpc-unix}), loopback TCP ({@code rpc-tcp}) and a child JVM's pipes ({@code rpc-pipe}),
 * against rsocket-java 1.1.5 over loopback TCP ({@code rsocket-java}, what a user of RSocket on the
 * JVM picks, and the same frames on the wire) and grpc-java 1.85 over a Unix socket
 * ({@code grpc-java-uds}, the RPC a user picks otherwise).
 *
 * <p>Every implementation has a server JVM and a client JVM (the pipe's server is the child its
 * client starts, serving with {@code PipeRpc.standardStreams()}); rsocket-java's run
 * {@code RSocketBenchPeer.java} on a class path of their own ({@code target/rsocket-lib}, copied at
 * {@code package}), since its reactor-core 3.4 and Netty 4.1 cannot share a JVM with this jar's
 * reactor-core 3.8 and Netty 4.2; the others run {@link RpcPeer} from this jar. This JVM only
 * commands the clients and collects what they measured: every client drives its implementation
 * with the same Reactor code ({@link RpcWorkload}), 64-byte payloads everywhere, for the same time
 * per round. Each runs as its users write it: Interflux and rsocket-java on their defaults, routes
 * in composite metadata; gRPC with its callbacks on the event loop, as the other two have theirs
 * ({@link GrpcEcho}):
 *
 * <ul>
 *   <li>({@code 64B}, {@code calls_per_s}): {@value RpcWorkload#IN_FLIGHT} request/response calls
 *       outstanding, completed calls per second, median round. Over the Unix socket at least 1.0
 *       against both baselines; TCP and pipe reported.</li>
 *   <li>({@code 64B}, {@code rtt_p50_us}, {@code rtt_p99_us}): one call at a time, each timed, the
 *       percentile over every measured call, with every server pinned to one CPU and every client
 *       to another ({@link CpuAffinity}: unpinned, whether the scheduler puts a pair on one CPU
 *       or two decides the figure). p50 over the Unix socket at most 1.0 against both; the rest
 *       reported.</li>
 *   <li>({@code rpc-unix}, {@code 64B}, {@code stream_items_per_s}): request/streams of
 *       {@value RpcWorkload#STREAM_ITEMS} 64-byte items one after another, each with the
 *       subscriber's unbounded demand, items per second, median round; reported. (Not one endless
 *       stream: rsocket-java cannot serve one to unbounded demand, see {@link RpcWorkload}.)</li>
 * </ul>
 *
 * First every side warms up on its own, {@value #WARMUP_CALL_ROUNDS} round lengths of calls and
 * {@value #WARMUP_STREAM_ROUNDS} of streams: on two cores each JVM's JIT takes three or four
 * seconds of calls to reach its steady rate (grpc-java longer). Then each workload takes
 * {@value #WARMUP_ROUNDS} unmeasured rounds of every side, then the measured
 * rounds, the sides in turn, in order in even rounds and in reverse in odd ones (as
 * {@link Interleaved#runEach}), Interflux over the Unix socket next to both baselines. The peers'
 * sockets, rsocket-java's source and the round-trip files live in {@code /tmp/ifx-bench-rpc-PID},
 * removed however the run ends (the next run removes those of a run killed outright).
 */
public final class RpcBenchmark implements MechanismBenchmark {

    static final String RSOCKET = "rsocket-java";
    static final String GRPC = "grpc-java-uds";
    static final String DIR_PREFIX = "ifx-bench-rpc-";
    private static final String RSOCKET_PEER = "RSocketBenchPeer.java";
    /** Unmeasured rounds of every side before each workload's measured ones: the JIT is still busy on two cores. */
    private static final int WARMUP_ROUNDS = 2;
    /** Round lengths of calls, then of streams, each side runs alone before any workload's rounds. */
    private static final int WARMUP_CALL_ROUNDS = 4;
    private static final int WARMUP_STREAM_ROUNDS = 2;
    private static final List<String> TRANSPORTS = List.of("unix", "tcp", "pipe");

    @Override
    public String name() {
        return "rpc";
    }

    /** One implementation: its client JVM (which measures) and its server JVM, when not the client's own child. */
    private static final class Impl {
        final String name;
        final PeerJvm server;
        /** Whether it takes part in the stream workload, which only the Unix-socket Interflux row has. */
        final boolean streams;
        PeerJvm client;

        Impl(String name, PeerJvm server) {
            this.name = name;
            this.server = server;
            this.streams = !name.equals("interflux-tcp") && !name.equals("interflux-pipe");
        }

        double rate(String command) throws Exception {
            client.start(command);
            double rate = Double.parseDouble(client.awaitPrefixed("rate "));
            client.awaitDone();
            return rate;
        }

        long[] roundTrips(double seconds, Path file) throws Exception {
            client.start("rtt " + seconds + " " + file);
            int count = Integer.parseInt(client.awaitPrefixed("count "));
            client.awaitDone();
            long[] rtt = new long[count];
            try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file)))) {
                for (int i = 0; i < count; i++) {
                    rtt[i] = in.readLong();
                }
            }
            Files.delete(file);
            return rtt;
        }

        /** Ends the client, then the server: each ends with its stdin. */
        void close() throws InterruptedException {
            if (client != null) {
                client.close();
            }
            if (server != null) {
                server.close();
            }
        }
    }

    @Override
    public List<Target> run(BenchmarkConfig config) throws Exception {
        SocketBenchmark.removeStale(DIR_PREFIX);
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), DIR_PREFIX + ProcessHandle.current().pid());
        Files.createDirectories(dir);
        List<Impl> impls = new ArrayList<>();
        try {
            List<String> rsocket = rsocketCommand(dir);
            String unixSocket = "unix:" + dir.resolve("interflux.sock");
            String grpcSocket = "unix:" + dir.resolve("grpc.sock");
            // the servers start together, then the clients: no JVM start overlaps a measurement. The
            // order is relied on: Interflux over the Unix socket, then the baselines, then the rest
            impls.add(new Impl("interflux-unix", peer("interflux unix server", "server", "interflux", unixSocket)));
            impls.add(new Impl(RSOCKET, new PeerJvm("rsocket-java server", PeerJvm.with(rsocket, "server", "tcp:0"))));
            impls.add(new Impl(GRPC, peer("grpc server", "server", "grpc", grpcSocket)));
            impls.add(new Impl("interflux-tcp", peer("interflux tcp server", "server", "interflux", "tcp:0")));
            impls.add(new Impl("interflux-pipe", null));
            List<String> addresses = new ArrayList<>();
            for (Impl impl : impls) {
                addresses.add(impl.server == null ? "pipe" : impl.server.awaitPrefixed("listening "));
            }
            for (int i = 0; i < impls.size(); i++) {
                Impl impl = impls.get(i);
                impl.client = impl.name.equals(RSOCKET)
                        ? new PeerJvm("rsocket-java client", PeerJvm.with(rsocket, "client", addresses.get(i)))
                        : peer(impl.name + " client", "client", impl.name.equals(GRPC) ? "grpc" : "interflux", addresses.get(i));
            }
            for (Impl impl : impls) {
                impl.client.awaitLine("ready");
            }
            PipeBenchmark.log("rpc: %s, 64-byte payloads, %.3g s per side per round, %d warm-up and %d measured rounds",
                    names(impls), config.secondsPerRound, WARMUP_ROUNDS, config.rounds);
            return measure(config, impls, dir);
        } finally {
            for (int i = impls.size() - 1; i >= 0; i--) {
                impls.get(i).close();
            }
            SocketBenchmark.removeTree(dir);
        }
    }

    private List<Target> measure(BenchmarkConfig config, List<Impl> impls, Path dir) throws Exception {
        double seconds = config.secondsPerRound;
        List<Interleaved.Side<Double>> calls = new ArrayList<>();
        List<Interleaved.Side<long[]>> rtt = new ArrayList<>();
        List<Interleaved.Side<Double>> stream = new ArrayList<>();
        int[] file = {0};
        for (Impl impl : impls) {
            calls.add(() -> impl.rate("calls " + seconds));
            rtt.add(() -> impl.roundTrips(seconds, dir.resolve("rtt-" + file[0]++)));
            if (impl.streams) {
                stream.add(() -> impl.rate("stream " + seconds));
            }
        }
        List<String> names = names(impls);
        for (Impl impl : impls) {
            double warmCalls = impl.rate("calls " + WARMUP_CALL_ROUNDS * seconds);
            String streams = !impl.streams ? ""
                    : String.format(Locale.ROOT, ", %.4g items/s", impl.rate("stream " + WARMUP_STREAM_ROUNDS * seconds));
            PipeBenchmark.log("  warm-up %s: %.4g calls/s%s", impl.name, warmCalls, streams);
        }
        List<List<Double>> callRates = interleave(config.rounds, calls);
        logRates("calls/s", names, callRates);
        for (int base = 1; base <= 2; base++) {
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i < config.rounds; i++) {
                ratios.add(callRates.get(0).get(i) / callRates.get(base).get(i));
            }
            PipeBenchmark.log("  calls/s interflux-unix / %s per round: %s", names.get(base), Samples.list(ratios));
        }
        List<List<long[]>> roundTrips = pinned(impls, () -> interleave(config.rounds, rtt));
        List<Samples> rttUs = new ArrayList<>();
        for (int i = 0; i < impls.size(); i++) {
            rttUs.add(Samples.microsFromNanos(roundTrips.get(i)));
            PipeBenchmark.log("  rtt us %s: %s, p99 %.4g", names.get(i), rttUs.get(i).spread(), rttUs.get(i).percentile(0.99));
        }
        List<List<Double>> streamRates = interleave(config.rounds, stream);
        logRates("stream items/s", names.subList(0, 3), streamRates);

        List<Target> targets = new ArrayList<>();
        int rsocket = names.indexOf(RSOCKET);
        int grpc = names.indexOf(GRPC);
        for (String transport : TRANSPORTS) {
            int ifx = names.indexOf("interflux-" + transport);
            String mechanism = "rpc-" + transport;
            boolean unix = transport.equals("unix");
            for (int base : List.of(rsocket, grpc)) {
                Result r = new Result(mechanism, "64B", "calls_per_s", Samples.of(callRates.get(ifx)).median(),
                        Samples.of(callRates.get(base)).median(), names.get(base), "calls/s");
                targets.add(unix ? Target.atLeast(r, 1.0) : Target.reported(r));
            }
            for (int base : List.of(rsocket, grpc)) {
                Result r = new Result(mechanism, "64B", "rtt_p50_us", rttUs.get(ifx).median(), rttUs.get(base).median(),
                        names.get(base), "us");
                targets.add(unix ? Target.atMost(r, 1.0) : Target.reported(r));
            }
            for (int base : List.of(rsocket, grpc)) {
                targets.add(Target.reported(new Result(mechanism, "64B", "rtt_p99_us", rttUs.get(ifx).percentile(0.99),
                        rttUs.get(base).percentile(0.99), names.get(base), "us")));
            }
            if (unix) {
                // the stream sides are interflux-unix, rsocket-java, grpc-java-uds, in that order
                for (int base = 1; base <= 2; base++) {
                    targets.add(Target.reported(new Result(mechanism, "64B", "stream_items_per_s",
                            Samples.of(streamRates.get(0)).median(), Samples.of(streamRates.get(base)).median(),
                            names.get(base), "items/s")));
                }
            }
        }
        return targets;
    }

    /**
     * Runs {@code work} with every server pinned to CPU 0 and every client to CPU 1
     * ({@link CpuAffinity}), or unpinned where that cannot be done; the CPUs are given back after.
     */
    private static <T> T pinned(List<Impl> impls, Interleaved.Side<T> work) throws Exception {
        if (!CpuAffinity.available()) {
            PipeBenchmark.log("  round trips unpinned: taskset or a second CPU is missing");
            return work.measure();
        }
        List<CpuAffinity> pins = new ArrayList<>();
        try {
            for (Impl impl : impls) {
                // the pipe's server is its client's child
                long server = impl.server != null ? impl.server.process.pid()
                        : impl.client.process.toHandle().children().findFirst()
                                .orElseThrow(() -> new IllegalStateException(impl.name + " has no server child")).pid();
                pins.add(CpuAffinity.pin(server, 0));
                pins.add(CpuAffinity.pin(impl.client.process.pid(), 1));
            }
            PipeBenchmark.log("  round trips: every server pinned to CPU 0, every client to CPU 1");
            return work.measure();
        } finally {
            for (CpuAffinity pin : pins) {
                pin.restore();
            }
        }
    }

    /**
     * {@value #WARMUP_ROUNDS} unmeasured rounds, then {@code rounds} measured ones, of every side:
     * in order in even rounds, in reverse in odd ones, so each side runs as often early in a round
     * as late. What each side measured, round by round.
     */
    private static <T> List<List<T>> interleave(int rounds, List<Interleaved.Side<T>> sides) throws Exception {
        List<List<T>> measured = new ArrayList<>();
        for (int k = 0; k < sides.size(); k++) {
            measured.add(new ArrayList<>(rounds));
        }
        for (int i = 0; i < WARMUP_ROUNDS + rounds; i++) {
            for (int k = 0; k < sides.size(); k++) {
                int j = i % 2 == 0 ? k : sides.size() - 1 - k;
                T value = sides.get(j).measure();
                if (i >= WARMUP_ROUNDS) {
                    measured.get(j).add(value);
                }
            }
        }
        return measured;
    }

    private static void logRates(String unit, List<String> names, List<List<Double>> rates) {
        for (int i = 0; i < rates.size(); i++) {
            PipeBenchmark.log("  %s %s per round: %s (median %.4g)", unit, names.get(i), Samples.list(rates.get(i)),
                    Samples.of(rates.get(i)).median());
        }
    }

    private static List<String> names(List<Impl> impls) {
        List<String> names = new ArrayList<>();
        for (Impl impl : impls) {
            names.add(impl.name);
        }
        return names;
    }

    private static PeerJvm peer(String label, String... args) throws IOException {
        return new PeerJvm(label, PeerJvm.with(PeerJvm.command(RpcPeer.class), args));
    }

    /**
     * The command line of an rsocket-java peer: this JVM's java in source-file mode, the peer's
     * source copied out of this jar into {@code dir}, the class path {@code rsocket-lib} beside
     * this jar (the build's {@code benchmarks/target}).
     */
    private static List<String> rsocketCommand(Path dir) throws IOException, URISyntaxException {
        Path code = Path.of(RpcBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path lib = code.getParent().resolve("rsocket-lib");
        if (!Files.isDirectory(lib)) {
            throw new IllegalStateException("rsocket-java's class path " + lib + " is missing: build with "
                    + "mvn -pl benchmarks -am package -DskipTests, which copies it there");
        }
        Path source = dir.resolve(RSOCKET_PEER);
        try (InputStream in = RpcBenchmark.class.getResourceAsStream("/rsocket/" + RSOCKET_PEER)) {
            if (in == null) {
                throw new IllegalStateException(RSOCKET_PEER + " is missing from the benchmark jar");
            }
            Files.copy(in, source);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(BenchmarkConfig.javaExecutable());
        cmd.addAll(PeerJvm.JVM_OPTIONS);
        cmd.addAll(List.of("-cp", lib + "/*", source.toString()));
        return cmd;
    }
}
