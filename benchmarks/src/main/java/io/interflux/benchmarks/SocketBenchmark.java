package io.interflux.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Stream sockets, Unix ({@code unix}) and loopback TCP ({@code tcp}): Interflux's
 * {@code io.interflux.socket} against plain reactor-netty ({@code reactor-netty}, what a user
 * would pick instead, and what Interflux rides) and against a blocking {@code SocketChannel} loop,
 * a thread per end ({@code jdk-blocking}). Every byte crosses between two JVMs: a measuring JVM
 * whose servers receive (or ping and time) and a {@link SocketPeer} child that connects to them,
 * one connection per round, and sends (or echoes).
 *
 * <ul>
 *   <li>({@code unix}/{@code tcp}, {@code 64KiB}, {@code throughput_mb_s}): the peer sends 64 KiB
 *       byte arrays as fast as the connection takes them and closes; the measuring end counts the
 *       bytes, from the accept to the end of the stream. Interflux uses {@code Framing.raw()},
 *       what a user writes for a byte stream whose chunk boundaries mean nothing, and reads each
 *       chunk in place ({@link ChunkSize}); reactor-netty counts {@code ByteBuf.readableBytes()}
 *       ({@code sendByteArray} to send); the JDK loop reads into one direct buffer. Against
 *       reactor-netty at least 0.95.</li>
 *   <li>({@code 64B}, {@code messages_per_s}): the same with 64-byte payloads as frames:
 *       Interflux {@code Framing.lengthPrefixed(64 KiB)} with the default {@code Codec.bytes()}
 *       (the path a user writes first), reactor-netty with Netty's
 *       {@code LengthFieldBasedFrameDecoder} and {@code LengthFieldPrepender} (the same 4-byte
 *       prefix), {@code sendByteArray} and {@code receive().asByteArray()}; the JDK loop buffers
 *       64 KiB of frames per write and copies each frame it reads into a byte[]. One byte[] per
 *       frame at each end everywhere. At least 0.95. The reactive senders bound this row: Interflux
 *       writes one pooled buffer per frame, {@code LengthFieldPrepender} two (prefix and payload)
 *       under a {@code PromiseCombiner}.</li>
 *   <li>({@code 64B}, {@code rtt_p50_us}): ping-pong of one 64-byte frame, the measuring end
 *       timing each round trip ({@link RoundTrips} for both reactive sides), the peer echoing
 *       (Interflux {@code c.send(c.receive())}, reactor-netty
 *       {@code out.sendByteArray(in.receive().asByteArray())}). Against reactor-netty at most
 *       1.1; p99 reported.</li>
 * </ul>
 *
 * And ({@code udp}, {@code 64B}, {@code messages_per_s}), reported only: {@link UdpGroup}, Interflux
 * {@code DatagramSocket}s against blocking {@code DatagramChannel} loops ({@code jdk-blocking}),
 * 64-byte datagrams on loopback, sender and receiver in one JVM, unpaced: datagrams received per
 * second over a fixed window, with each side's loss logged.
 *
 * Each group runs in a fresh measuring JVM with a fresh peer ({@link SocketGroup}), so that the
 * JIT's profile of the reactor-netty and Netty paths every side shares is shaped by that group's
 * sizes only (JMH forks for the same reason; an earlier benchmark saw 64 KiB runs depress the
 * 64-byte ones that followed in one JVM). It costs two JVM starts per group. Within a group, the
 * three ends take turns round by round ({@link Interleaved#runEach}): two short rounds size a
 * round so the slowest side takes about {@link BenchmarkConfig#secondsPerRound}, two more at full
 * size warm up, then the measured rounds (at least {@link SocketGroup#CHUNK_ROUNDS} for the 64 KiB
 * rows, whose rounds swing most); Unix first, then TCP. Rates are the median round;
 * latencies the percentile over every measured round trip.
 * Socket files live in {@code /tmp/ifx-bench-socket-PID}, removed however the run ends (the next
 * run removes those of a run killed outright).
 */
public final class SocketBenchmark implements MechanismBenchmark {

    static final String DIR_PREFIX = "ifx-bench-socket-";
    private static final List<String> GROUPS = List.of("chunks", "frames", "rtt", "udp");

    @Override
    public String name() {
        return "socket";
    }

    @Override
    public List<Target> run(BenchmarkConfig config) throws Exception {
        removeStale(DIR_PREFIX);
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), DIR_PREFIX + ProcessHandle.current().pid());
        List<Target> targets = new ArrayList<>();
        try {
            for (String group : GROUPS) {
                // udp needs no peer JVM or socket files: its sender and receiver share the group's JVM
                try (PeerJvm jvm = group.equals("udp")
                        ? new PeerJvm("socket udp group", UdpGroup.class, Integer.toString(config.rounds),
                                Double.toString(config.secondsPerRound))
                        : new PeerJvm("socket " + group + " group", SocketGroup.class, group,
                                Integer.toString(config.rounds), Double.toString(config.secondsPerRound),
                                dir.resolve(group).toString())) {
                    int rows = Integer.parseInt(jvm.awaitPrefixed("rows "));
                    for (int i = 0; i < rows; i++) {
                        targets.add(target(jvm.awaitPrefixed("row ").split(" ")));
                    }
                }
            }
        } finally {
            removeTree(dir);
        }
        return targets;
    }

    /** A {@link SocketGroup} row: MECHANISM SIZE METRIC INTERFLUX BASELINE BASELINE_NAME UNIT TARGET BOUND. */
    static Target target(String[] f) {
        Result r = new Result(f[0], f[1], f[2], Double.parseDouble(f[3]), Double.parseDouble(f[4]), f[5], f[6]);
        switch (f[7]) {
            case "atLeast":
                return Target.atLeast(r, Double.parseDouble(f[8]));
            case "atMost":
                return Target.atMost(r, Double.parseDouble(f[8]));
            default:
                return Target.reported(r);
        }
    }

    /** Removes the directories named {@code prefix} and a pid of runs whose JVM is gone. */
    static void removeStale(String prefix) throws IOException {
        try (Stream<Path> dirs = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            dirs.filter(p -> p.getFileName().toString().startsWith(prefix)).filter(p -> {
                String pid = p.getFileName().toString().substring(prefix.length());
                return pid.isEmpty() || !pid.chars().allMatch(Character::isDigit) || ProcessHandle.of(Long.parseLong(pid)).isEmpty();
            }).forEach(SocketBenchmark::removeTree);
        }
    }

    /** Deletes {@code dir} and everything in it, if it is there. */
    static void removeTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }
}
