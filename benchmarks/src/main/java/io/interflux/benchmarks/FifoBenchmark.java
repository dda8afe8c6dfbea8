package io.interflux.benchmarks;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.fifo.Fifo;
import io.interflux.fifo.FifoReader;
import io.interflux.fifo.FifoSpec;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * FIFO benchmarks: Interflux (event loop, non-blocking descriptors) against plain blocking Java
 * loops, a thread per end, on the same kind of FIFO, measured interleaved round by round. Both
 * ends run in one JVM on separate threads, a fresh JVM per comparison group (64 KiB throughput,
 * 64 B messages, round trips); every byte crosses the kernel's FIFO.
 */
public final class FifoBenchmark implements MechanismBenchmark {

    private static final Duration LIMIT = Duration.ofSeconds(120);
    private static final int CHUNK = 64 * 1024;
    private static final int SMALL = 64;
    /**
     * Two loop threads, so the writing and the reading end run on different threads, as they
     * would in two processes (and as the baseline's two threads do). Created once, lives with the JVM.
     */
    /** The write size of a shared FIFO's writer: PIPE_BUF. */
    static final int ATOMIC_WRITE = 4096;

    private static final io.interflux.EventLoop LOOP = io.interflux.EventLoop.create("fifo-bench", 2);

    @Override
    public String name() {
        return "fifo";
    }

    /** The comparison groups, each measured in a JVM of its own. */
    private static final List<String> GROUPS = List.of("throughput", "messages", "rtt");

    /**
     * Runs each group in a fresh JVM, as JMH forks: in one JVM the 64 KiB group that ran first
     * shaped the profile the 64 B group then ran with (its row lifted from 0.54-0.84 to 0.96 when
     * run alone). The child runs with this JVM's heap and collector defaults.
     */
    @Override
    public List<Target> run(BenchmarkConfig config) throws Exception {
        List<Target> targets = new ArrayList<>();
        for (String group : GROUPS) {
            List<String> cmd = new ArrayList<>(List.of(BenchmarkConfig.javaExecutable(), "-cp", BenchmarkConfig.classPath(),
                    FifoBenchmark.class.getName(), group, Integer.toString(config.rounds),
                    Double.toString(config.secondsPerRound)));
            try (PeerJvm jvm = new PeerJvm("fifo " + group + " group", cmd)) {
                int rows = Integer.parseInt(jvm.awaitPrefixed("rows "));
                for (int i = 0; i < rows; i++) {
                    targets.add(SocketBenchmark.target(jvm.awaitPrefixed("row ").split(" ")));
                }
            }
        }
        return targets;
    }

    /**
     * One group, in this JVM: prints {@code rows N} and the rows, as {@link SocketGroup} does.
     *
     * @param args the group ({@code throughput}, {@code messages}, {@code rtt}), rounds, seconds per round
     */
    public static void main(String[] args) throws Exception {
        String group = args[0];
        BenchmarkConfig config = new BenchmarkConfig(Integer.parseInt(args[1]), Double.parseDouble(args[2]));
        Path dir = Files.createTempDirectory("interflux-bench-fifo");
        List<String> rows = new ArrayList<>();
        try {
            switch (group) {
                case "throughput":
                    throughput(dir, config, rows);
                    break;
                case "messages":
                    messages(dir, config, rows);
                    break;
                case "rtt":
                    rtt(dir, config, rows);
                    break;
                default:
                    throw new IllegalArgumentException("throughput, messages or rtt required but it was " + group);
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Files.deleteIfExists(p);
                }
            }
            Files.delete(dir);
        }
        System.out.println("rows " + rows.size());
        rows.forEach(System.out::println);
        System.exit(0);
    }

    private static void throughput(Path dir, BenchmarkConfig config, List<String> rows) throws Exception {
        long bytes = (long) (256L * 1024 * 1024 * config.secondsPerRound);
        double[] tpI = new double[config.rounds], tpB = new double[config.rounds];
        interfluxThroughput(dir, bytes / 4); // one warm-up of each side, unmeasured
        blockingThroughput(dir, bytes / 4);
        for (int r = 0; r < config.rounds; r++) {
            if ((r & 1) == 1) {
                tpB[r] = blockingThroughput(dir, bytes);
                tpI[r] = interfluxThroughput(dir, bytes);
            } else {
                tpI[r] = interfluxThroughput(dir, bytes);
                tpB[r] = blockingThroughput(dir, bytes);
            }
        }
        rows.add(row("64KiB", "throughput_mb_s", median(tpI), median(tpB), "jdk-filechannel-blocking", "MB/s", "atLeast", 0.9));
    }

    private static void messages(Path dir, BenchmarkConfig config, List<String> rows) throws Exception {
        long frames = (long) (2_000_000 * config.secondsPerRound);
        double[] msgI = new double[config.rounds], msgB = new double[config.rounds];
        double[] msgB4k = new double[config.rounds];
        double[] msgSingleI = new double[config.rounds];
        interfluxMessages(dir, frames / 4, false);
        interfluxMessages(dir, frames / 4, true);
        blockingMessages(dir, frames / 4, CHUNK);
        blockingMessages(dir, frames / 4, ATOMIC_WRITE);
        for (int r = 0; r < config.rounds; r++) {
            if ((r & 1) == 1) {
                msgB[r] = blockingMessages(dir, frames, CHUNK);
                msgI[r] = interfluxMessages(dir, frames, false);
                msgB4k[r] = blockingMessages(dir, frames, ATOMIC_WRITE);
                msgSingleI[r] = interfluxMessages(dir, frames, true);
            } else {
                msgI[r] = interfluxMessages(dir, frames, false);
                msgB[r] = blockingMessages(dir, frames, CHUNK);
                msgSingleI[r] = interfluxMessages(dir, frames, true);
                msgB4k[r] = blockingMessages(dir, frames, ATOMIC_WRITE);
            }
        }
        // the default writer (shared FIFO: whole frames, at most PIPE_BUF per write) against
        // a loop writing 64 KiB at a time, which several writers could not share; then
        // against the same loop with writes of PIPE_BUF, the like-for-like pairing; then
        // the tuned single writer against the 64 KiB loop
        rows.add(row("64B", "messages_per_s", median(msgI), median(msgB), "jdk-blocking-frames", "msg/s", "atLeast", 1.0));
        rows.add(row("64B", "messages_per_s", median(msgI), median(msgB4k), "jdk-blocking-frames-4KiB-writes", "msg/s",
                "atLeast", 1.0));
        rows.add(row("64B-single-writer", "messages_per_s", median(msgSingleI), median(msgB), "jdk-blocking-frames", "msg/s",
                "atLeast", 1.0));
    }

    private static void rtt(Path dir, BenchmarkConfig config, List<String> rows) throws Exception {
        int trips = (int) (20_000 * config.secondsPerRound);
        double[] rttI = new double[config.rounds], rttB = new double[config.rounds];
        interfluxRtt(dir, trips / 4);
        blockingRtt(dir, trips / 4);
        for (int r = 0; r < config.rounds; r++) {
            if ((r & 1) == 1) {
                rttB[r] = blockingRtt(dir, trips);
                rttI[r] = interfluxRtt(dir, trips);
            } else {
                rttI[r] = interfluxRtt(dir, trips);
                rttB[r] = blockingRtt(dir, trips);
            }
        }
        rows.add(row("64B", "rtt_p50_us", median(rttI), median(rttB), "jdk-blocking-pingpong", "us", "atMost", 1.3));
    }

    /** A row as {@link SocketBenchmark#target(String[])} reads it. */
    private static String row(String size, String metric, double interflux, double baseline, String baselineName,
                              String unit, String target, double bound) {
        return String.join(" ", "row", "fifo", size, metric, Double.toString(interflux), Double.toString(baseline),
                baselineName, unit, target, Double.toString(bound));
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /**
     * MB/s of 64 KiB chunks, Interflux writer to Interflux reader. The writer sends its array
     * (written from it directly); the reader consumes each chunk in place
     * ({@link Codec#decode(ByteBuffer)}), like the baseline's reused buffers.
     */
    static double interfluxThroughput(Path dir, long bytes) {
        FifoSpec<byte[]> raw = Fifo.at(dir.resolve("tp-i")).eventLoop(LOOP).framing(Framing.raw()).singleWriter(true).removeOnDispose(true);
        FifoReader<Integer> reader = raw.codec(ChunkSize.INSTANCE).openReader().block(LIMIT);
        byte[] chunk = new byte[CHUNK];
        AtomicLong received = new AtomicLong();
        long t0 = System.nanoTime();
        raw.send(Flux.range(0, (int) (bytes / CHUNK)).map(i -> chunk)).subscribe();
        reader.receive().doOnNext(received::addAndGet).then().block(LIMIT);
        return received.get() / 1e6 / ((System.nanoTime() - t0) / 1e9);
    }

    /** MB/s of 64 KiB chunks, a blocking FileChannel writer thread to a blocking FileChannel reader. */
    static double blockingThroughput(Path dir, long bytes) throws Exception {
        Path p = mkfifo(dir.resolve("tp-b"));
        try {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try (FileChannel out = FileChannel.open(p, StandardOpenOption.WRITE)) {
                    ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
                    for (long sent = 0; sent < bytes; sent += CHUNK) {
                        buf.clear();
                        while (buf.hasRemaining()) {
                            out.write(buf);
                        }
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }, command -> new Thread(command, "fifo-bench-writer").start());
            long received = 0;
            long t0 = System.nanoTime();
            try (FileChannel in = FileChannel.open(p, StandardOpenOption.READ)) {
                ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
                int n;
                while ((n = in.read(buf)) >= 0) {
                    received += n;
                    buf.clear();
                }
            }
            double mb = received / 1e6 / ((System.nanoTime() - t0) / 1e9);
            writer.get();
            return mb;
        } finally {
            Files.deleteIfExists(p);
        }
    }

    /**
     * Frames/s of 64-byte length-prefixed frames through the default (shared, PIPE_BUF-atomic)
     * writer, or, with {@code single}, a declared single writer (64 KiB writes).
     */
    static double interfluxMessages(Path dir, long frames, boolean single) {
        FifoSpec<byte[]> spec = Fifo.at(dir.resolve("msg-i")).eventLoop(LOOP).framing(Framing.lengthPrefixed(1024))
                .singleWriter(single).removeOnDispose(true);
        FifoReader<byte[]> reader = spec.openReader().block(LIMIT);
        byte[] frame = new byte[SMALL];
        AtomicLong received = new AtomicLong();
        long t0 = System.nanoTime();
        spec.send(Flux.range(0, (int) frames).map(i -> frame)).subscribe();
        reader.receive().doOnNext(f -> received.incrementAndGet()).then().block(LIMIT);
        return received.get() / ((System.nanoTime() - t0) / 1e9);
    }

    /**
     * Frames/s of the same frames with DataOutputStream/DataInputStream over buffered blocking
     * streams, the writer's buffer (so its write size) {@code writeBuffer} bytes.
     */
    static double blockingMessages(Path dir, long frames, int writeBuffer) throws Exception {
        Path p = mkfifo(dir.resolve("msg-b"));
        try {
            CompletableFuture<Void> writer = new CompletableFuture<>();
            new Thread(() -> {
                try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(p.toFile()), writeBuffer))) {
                    byte[] frame = new byte[SMALL];
                    for (long i = 0; i < frames; i++) {
                        out.writeInt(frame.length);
                        out.write(frame);
                    }
                    writer.complete(null);
                } catch (Exception e) {
                    writer.completeExceptionally(e);
                }
            }, "fifo-bench-writer").start();
            long received = 0;
            long t0 = System.nanoTime();
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(new FileInputStream(p.toFile()), CHUNK))) {
                for (long i = 0; i < frames; i++) {
                    byte[] frame = new byte[in.readInt()];
                    in.readFully(frame);
                    received++;
                }
            }
            double rate = received / ((System.nanoTime() - t0) / 1e9);
            writer.get();
            return rate;
        } finally {
            Files.deleteIfExists(p);
        }
    }

    /** p50 round trip in microseconds: an Interflux echo on the loop, an Interflux pinger. */
    static double interfluxRtt(Path dir, int count) {
        FifoSpec<byte[]> ping = Fifo.at(dir.resolve("ping-i")).eventLoop(LOOP).framing(Framing.lengthPrefixed(1024)).removeOnDispose(true);
        FifoSpec<byte[]> pong = Fifo.at(dir.resolve("pong-i")).eventLoop(LOOP).framing(Framing.lengthPrefixed(1024)).removeOnDispose(true);
        FifoReader<byte[]> echoIn = ping.openReader().block(LIMIT);
        FifoReader<byte[]> replies = pong.openReader().block(LIMIT);
        Disposable echoing = pong.send(echoIn.receive()).subscribe(v -> { }, e -> { });
        try {
            long[] rtt = RoundTrips.measure(ping::send, replies.receive(), new byte[SMALL], count);
            Arrays.sort(rtt);
            return rtt[count / 2] / 1e3;
        } finally {
            echoing.dispose();
            echoIn.dispose();
            replies.dispose();
        }
    }

    /** p50 round trip in microseconds: a blocking echo thread and a blocking pinger, 64-byte frames. */
    static double blockingRtt(Path dir, int count) throws Exception {
        Path ping = mkfifo(dir.resolve("ping-b"));
        Path pong = mkfifo(dir.resolve("pong-b"));
        try {
            Thread echo = new Thread(() -> {
                try (DataInputStream in = new DataInputStream(new FileInputStream(ping.toFile()));
                     DataOutputStream out = new DataOutputStream(new FileOutputStream(pong.toFile()))) {
                    byte[] frame = new byte[SMALL];
                    for (int i = 0; i < count; i++) {
                        in.readFully(frame);
                        out.write(frame);
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }, "fifo-bench-echo");
            echo.start();
            long[] rtt = new long[count];
            try (FileOutputStream out = new FileOutputStream(ping.toFile());
                 DataInputStream in = new DataInputStream(new FileInputStream(pong.toFile()))) {
                byte[] frame = new byte[SMALL];
                for (int i = 0; i < count; i++) {
                    long t0 = System.nanoTime();
                    out.write(frame);
                    in.readFully(frame);
                    rtt[i] = System.nanoTime() - t0;
                }
            }
            echo.join(LIMIT.toMillis());
            Arrays.sort(rtt);
            return rtt[count / 2] / 1e3;
        } finally {
            Files.deleteIfExists(ping);
            Files.deleteIfExists(pong);
        }
    }

    private static Path mkfifo(Path p) throws Exception {
        Process mk = new ProcessBuilder("mkfifo", "-m", "600", p.toString()).inheritIO().start();
        if (mk.waitFor() != 0) {
            throw new IllegalStateException("mkfifo " + p + " failed");
        }
        return p;
    }
}
