package io.interflux.benchmarks;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code scale}: N = 1, 10, 100, 1000 concurrent streams of one mechanism at a time (child
 * processes, FIFOs, POSIX queues, Unix socket connections), Interflux against what a user would
 * pick instead, measuring in one run per (mechanism, N, implementation) the process's peak
 * thread count, its peak resident memory, the aggregate throughput and the p99 time to deliver a
 * 64-byte message ({@link ScaleWorkload}).
 *
 * <p>Each (mechanism, N, implementation) runs in a fresh {@link ScaleRun} JVM of its own, in a
 * session of its own, with the same flags ({@link #JVM_OPTIONS}), so the threads and memory it
 * reads from {@code /proc/self/status} are that implementation's alone; the far side of its
 * streams (external FIFO writers, a {@link ScalePeer} for queues and sockets) is started here,
 * in another session, and is not counted. Child processes of {@code scale-pipe} are the measured
 * JVM's own, as a user's would be. Within one N the implementations run one after another, in
 * reverse order for every other N. After each JVM both sessions are killed whole and their
 * FIFOs, queues and socket files removed, even when it failed; a failed JVM is logged and its
 * rows are left out.
 *
 * <p>Rows: ({@code scale-<mech>}, {@code N=<n>}, metric) for the default Interflux path against
 * each baseline, and ({@code scale-<mech>}, {@code N=<n>-in-place}, metric) for the in-place path
 * against the same baselines, as the pipe and FIFO benchmarks tell a tuned path by its size.
 * Metrics: {@code threads}, {@code rss_mb} (peak {@code VmHWM}, MiB), {@code throughput_mb_s}
 * (queues: {@code messages_per_s}), {@code latency_p99_us} (p99 of half the round trip). All are
 * reported, none is held to a target. {@code scale} is left out of a run that names no
 * benchmark (it takes minutes); {@code scale-pipe}, {@code scale-fifo}, {@code scale-posix-mq}
 * and {@code scale-unix} run one mechanism, {@code --streams 1,10} other counts.
 */
public final class ScaleBenchmark implements MechanismBenchmark {

    static final List<String> MECHANISMS = List.of("pipe", "fifo", "posix-mq", "unix");
    /**
     * The flags of every measured JVM: a fixed heap ceiling, the default collector named, native
     * access for jnr and JNA, and room in reactor-netty's connection pool, which {@code SocketClient}
     * connects through: its default of 500 connections per address makes the 501st wait 45 s and
     * fail with {@code PoolAcquireTimeoutException} (the JDK runs do not load reactor-netty).
     */
    static final List<String> JVM_OPTIONS = List.of("-Xmx512m", "-XX:+UseG1GC", "--enable-native-access=ALL-UNNAMED",
            "-Dreactor.netty.pool.maxConnections=4096");
    static final String DEFAULT = "interflux-default";
    static final String IN_PLACE = "interflux-in-place";
    private static final String DIR_PREFIX = "ifx-bench-scale-";
    private static final String QUEUE_PREFIX = "ifx-scale-";
    private static final AtomicInteger RUNS = new AtomicInteger();

    private final List<String> mechanisms;

    /** Every mechanism, as {@code scale}. */
    ScaleBenchmark() {
        this(MECHANISMS);
    }

    ScaleBenchmark(List<String> mechanisms) {
        for (String m : mechanisms) {
            if (!MECHANISMS.contains(m)) {
                throw new IllegalArgumentException("one of " + MECHANISMS + " required but it was " + m);
            }
        }
        this.mechanisms = List.copyOf(mechanisms);
    }

    @Override
    public String name() {
        return mechanisms.size() == 1 ? "scale-" + mechanisms.get(0) : "scale";
    }

    /** The baselines of a mechanism, what a user would pick instead of Interflux. */
    static List<String> baselines(String mechanism) {
        switch (mechanism) {
            case "pipe":
                return List.of("jdk-process", "nuprocess");
            case "fifo":
                return List.of("jdk-thread-per-fifo");
            case "posix-mq":
                return List.of("jdk-thread-per-queue");
            default:
                return List.of("jdk-thread-per-connection");
        }
    }

    /** Every implementation of a mechanism, in the order they run. */
    static List<String> implementations(String mechanism) {
        List<String> all = new ArrayList<>();
        all.add(DEFAULT);
        all.addAll(baselines(mechanism));
        all.add(IN_PLACE);
        return all;
    }

    /** What one measured JVM printed. */
    static final class Measured {
        final Map<String, String> values = new LinkedHashMap<>();

        static Measured parse(String line) {
            Measured m = new Measured();
            for (String kv : line.trim().split(" ")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    m.values.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
            for (String key : List.of("threads", "rss_mb", "throughput", "p99_us")) {
                if (!m.values.containsKey(key)) {
                    throw new IllegalArgumentException("no " + key + " in " + line);
                }
            }
            return m;
        }

        double get(String key) {
            return Double.parseDouble(values.get(key));
        }
    }

    @Override
    public List<Target> run(BenchmarkConfig config) throws Exception {
        SocketBenchmark.removeStale(DIR_PREFIX);
        removeStaleQueues();
        Path root = Path.of(System.getProperty("java.io.tmpdir"), DIR_PREFIX + ProcessHandle.current().pid());
        List<Target> targets = new ArrayList<>();
        List<String> summary = new ArrayList<>();
        try {
            Files.createDirectories(root);
            Path streamer = mechanisms.contains("pipe") || mechanisms.contains("fifo") ? streamer(root) : null;
            for (String mechanism : mechanisms) {
                for (int k = 0; k < config.streams.size(); k++) {
                    int n = config.streams.get(k);
                    String skip = skip(mechanism, n);
                    if (skip != null) {
                        PipeBenchmark.log("scale-%s N=%d skipped: %s", mechanism, n, skip);
                        continue;
                    }
                    List<String> order = new ArrayList<>(implementations(mechanism));
                    if (k % 2 == 1) {
                        Collections.reverse(order);
                    }
                    Map<String, Measured> measured = new LinkedHashMap<>();
                    for (String impl : order) {
                        try {
                            Measured m = measure(mechanism, impl, n, config.secondsPerRound, root, streamer);
                            measured.put(impl, m);
                            PipeBenchmark.log("scale-%s N=%d %s: %s", mechanism, n, impl, describe(mechanism, m));
                            summary.add(summaryLine(mechanism, n, impl, m));
                        } catch (Exception e) {
                            PipeBenchmark.log("scale-%s N=%d %s FAILED: %s", mechanism, n, impl, e.getMessage());
                        }
                    }
                    targets.addAll(rows(mechanism, n, measured));
                }
            }
            PipeBenchmark.log("%-16s %6s %-26s %8s %9s %9s %12s %10s %10s %8s", "mechanism", "N", "implementation",
                    "threads", "rss_mb", "open_mb", "throughput", "p99_us", "p50_us", "setup_s");
            summary.forEach(line -> PipeBenchmark.log("%s", line));
        } finally {
            SocketBenchmark.removeTree(root);
        }
        return targets;
    }

    /** Why N streams of {@code mechanism} cannot be opened here, or null. */
    static String skip(String mechanism, int n) throws IOException {
        if (!mechanism.equals("posix-mq")) {
            return null;
        }
        Path max = Path.of("/proc/sys/fs/mqueue/queues_max");
        if (!Files.isReadable(max)) {
            return null;
        }
        long limit;
        try (var in = Files.newBufferedReader(max)) {
            limit = Long.parseLong(in.readLine().trim());
        }
        long used = 0;
        Path mounted = Path.of("/dev/mqueue");
        if (Files.isDirectory(mounted)) {
            try (var all = Files.list(mounted)) {
                used = all.count();
            }
        }
        if (n + 1 > limit - used) {
            return String.format(Locale.ROOT, "it needs %d queues and /proc/sys/fs/mqueue/queues_max allows %d (%d in use);"
                    + " only a process with CAP_SYS_RESOURCE may open more", n + 1, limit, used);
        }
        return null;
    }

    /**
     * The far end of a pipe or FIFO stream ({@code scale-stream.c}, one process that echoes, then
     * streams), built with {@code gcc -O2} into {@code dir}; null without gcc, and the streams'
     * far ends are then {@code sh -c 'cat; exec dd ...'}, two processes and an exec each.
     */
    static Path streamer(Path dir) throws IOException, InterruptedException {
        Path source = dir.resolve("scale-stream.c");
        Path binary = dir.resolve("scale-stream");
        try (var in = ScaleBenchmark.class.getResourceAsStream("scale-stream.c")) {
            Files.copy(java.util.Objects.requireNonNull(in, "scale-stream.c on the class path"), source,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        try {
            Process gcc = new ProcessBuilder("gcc", "-O2", "-o", binary.toString(), source.toString()).inheritIO().start();
            if (gcc.waitFor(60, TimeUnit.SECONDS) && gcc.exitValue() == 0) {
                return binary;
            }
            gcc.destroyForcibly();
        } catch (IOException noGcc) {
            // below
        }
        PipeBenchmark.log("scale: no gcc to build scale-stream.c: the far ends run sh -c 'cat; exec dd ...' instead");
        return null;
    }

    /** One measured JVM, with the far side it needs; everything it started is gone when this returns. */
    static Measured measure(String mechanism, String impl, int n, double seconds, Path root, Path streamer) throws Exception {
        ScaleWorkload workload = new ScaleWorkload(mechanism, n, seconds);
        int run = RUNS.incrementAndGet();
        Path dir = root.resolve(run + "-" + mechanism + "-" + n + "-" + impl);
        Files.createDirectories(dir);
        List<PeerJvm> helpers = new ArrayList<>();
        List<Process> sessions = new ArrayList<>();
        String queueBase = "/" + QUEUE_PREFIX + ProcessHandle.current().pid() + "-" + run;
        try {
            String where = farSide(workload, dir, queueBase, streamer, helpers, sessions);
            List<String> cmd = new ArrayList<>();
            cmd.add(BenchmarkConfig.javaExecutable());
            cmd.addAll(JVM_OPTIONS);
            cmd.addAll(List.of("-cp", BenchmarkConfig.classPath(), ScaleRun.class.getName(), mechanism, impl,
                    Integer.toString(n), Double.toString(seconds), where));
            PeerJvm jvm = new PeerJvm("scale " + mechanism + " " + impl + " N=" + n, ProcessGroup.inNewSession(cmd));
            sessions.add(jvm.process);
            helpers.add(jvm);
            return Measured.parse(jvm.awaitPrefixed("result "));
        } finally {
            for (PeerJvm h : helpers) {
                h.close();
            }
            for (Process p : sessions) {
                int left = ProcessGroup.kill(p.pid());
                if (left > 0) {
                    PipeBenchmark.log("  killed %d processes left in session %d (%s)", left, p.pid(),
                            p.info().command().orElse("gone"));
                }
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            removeQueues(queueBase.substring(1));
            SocketBenchmark.removeTree(dir);
        }
    }

    /**
     * Starts what the measured JVM's streams talk to, each in a session of its own, and says where
     * it is: the FIFOs' directory, the queues' base name, the socket's path.
     */
    private static String farSide(ScaleWorkload w, Path dir, String queueBase, Path streamer, List<PeerJvm> helpers,
                                  List<Process> sessions) throws Exception {
        switch (w.mechanism) {
            case "pipe":
                return streamer == null ? "-" : streamer.toString();
            case "fifo": {
                List<String> mkfifo = new ArrayList<>(List.of("mkfifo", "-m", "600"));
                for (int i = 0; i < w.streams; i++) {
                    mkfifo.add(ScaleFifos.data(dir, i).toString());
                    mkfifo.add(ScaleFifos.pings(dir, i).toString());
                }
                Process mk = new ProcessBuilder(mkfifo).inheritIO().start();
                if (!mk.waitFor(60, TimeUnit.SECONDS) || mk.exitValue() != 0) {
                    mk.destroyForcibly();
                    throw new IllegalStateException("mkfifo of " + 2 * w.streams + " FIFOs in " + dir + " failed");
                }
                Process writers = new ProcessBuilder(ProcessGroup.inNewSession(
                        ScaleFifos.writersLauncher(dir, w.streams, w.blocksPerStream(), streamer)))
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
                sessions.add(writers);
                return dir.toString();
            }
            case "posix-mq":
                peer(helpers, sessions, "posix-mq", queueBase, Integer.toString(w.streams), Long.toString(w.messagesPerStream()));
                return queueBase;
            default: {
                Path socket = dir.resolve("peer.sock");
                peer(helpers, sessions, "unix", socket.toString(), Long.toString(w.sharePerStream()));
                return socket.toString();
            }
        }
    }

    private static void peer(List<PeerJvm> helpers, List<Process> sessions, String... args) throws Exception {
        PeerJvm peer = new PeerJvm("scale " + args[0] + " peer", ProcessGroup.inNewSession(PeerJvm.with(PeerJvm.command(ScalePeer.class), args)));
        helpers.add(peer);
        sessions.add(peer.process);
        peer.awaitLine("ready");
    }

    /** Removes the POSIX queues whose names start with {@code prefix}, through the mqueue file system where it is mounted. */
    private static void removeQueues(String prefix) throws IOException {
        Path mq = Path.of("/dev/mqueue");
        if (!Files.isDirectory(mq)) {
            return;
        }
        try (DirectoryStream<Path> all = Files.newDirectoryStream(mq, p -> p.getFileName().toString().startsWith(prefix))) {
            for (Path q : all) {
                Files.deleteIfExists(q);
            }
        }
    }

    /** Removes the queues of runs whose benchmark JVM is gone. */
    private static void removeStaleQueues() throws IOException {
        Path mq = Path.of("/dev/mqueue");
        if (!Files.isDirectory(mq)) {
            return;
        }
        try (DirectoryStream<Path> all = Files.newDirectoryStream(mq, p -> p.getFileName().toString().startsWith(QUEUE_PREFIX))) {
            for (Path q : all) {
                String rest = q.getFileName().toString().substring(QUEUE_PREFIX.length());
                int dash = rest.indexOf('-');
                String pid = dash < 0 ? rest : rest.substring(0, dash);
                if (!pid.chars().allMatch(Character::isDigit) || pid.isEmpty() || ProcessHandle.of(Long.parseLong(pid)).isEmpty()) {
                    Files.deleteIfExists(q);
                }
            }
        }
    }

    private static String describe(String mechanism, Measured m) {
        boolean messages = mechanism.equals("posix-mq");
        return String.format(Locale.ROOT, "%.0f threads (%.0f open), %.1f MiB peak RSS (%.1f MiB open), %s in %.2f s, p99 %.1f us"
                        + " (p50 %.1f us, %.0f samples of %.0f pings, %.0f refused as full), set up in %.2f s",
                m.get("threads"), m.get("open_threads"), m.get("rss_mb"), m.get("open_rss_mb"),
                messages ? String.format(Locale.ROOT, "%.0f msg/s", m.get("throughput"))
                        : String.format(Locale.ROOT, "%.0f MB/s", m.get("throughput")),
                m.get("stream_s"), m.get("p99_us"), m.get("p50_us"), m.get("samples"), m.get("pings"), m.get("refused"),
                m.get("setup_s"));
    }

    /** One implementation's figures on one line of the summary table. */
    private static String summaryLine(String mechanism, int n, String impl, Measured m) {
        return String.format(Locale.ROOT, "%-16s %6d %-26s %8.0f %9.1f %9.1f %12s %10.1f %10.1f %8.2f", "scale-" + mechanism, n, impl,
                m.get("threads"), m.get("rss_mb"), m.get("open_rss_mb"),
                mechanism.equals("posix-mq") ? String.format(Locale.ROOT, "%.0f msg/s", m.get("throughput"))
                        : String.format(Locale.ROOT, "%.0f MB/s", m.get("throughput")),
                m.get("p99_us"), m.get("p50_us"), m.get("setup_s"));
    }

    /** The rows of one N: each Interflux path against each baseline, four metrics each. */
    static List<Target> rows(String mechanism, int n, Map<String, Measured> measured) {
        List<Target> rows = new ArrayList<>();
        boolean messages = mechanism.equals("posix-mq");
        for (String path : List.of(DEFAULT, IN_PLACE)) {
            Measured a = measured.get(path);
            if (a == null) {
                continue;
            }
            String size = "N=" + n + (path.equals(IN_PLACE) ? "-in-place" : "");
            for (String baseline : baselines(mechanism)) {
                Measured b = measured.get(baseline);
                if (b == null) {
                    continue;
                }
                String mech = "scale-" + mechanism;
                rows.add(Target.reported(new Result(mech, size, "threads", a.get("threads"), b.get("threads"), baseline, "threads")));
                rows.add(Target.reported(new Result(mech, size, "rss_mb", a.get("rss_mb"), b.get("rss_mb"), baseline, "MiB")));
                rows.add(Target.reported(new Result(mech, size, messages ? "messages_per_s" : "throughput_mb_s",
                        a.get("throughput"), b.get("throughput"), baseline, messages ? "msg/s" : "MB/s")));
                rows.add(Target.reported(new Result(mech, size, "latency_p99_us", a.get("p99_us"), b.get("p99_us"), baseline, "us")));
            }
        }
        return rows;
    }
}
