package io.interflux.socket;

import io.interflux.Framing;
import io.interflux.IpcResource;
import io.interflux.testkit.TransportUnderTest;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Stream sockets for the conformance suite: an Interflux client sends, a {@link SocketRelay} child
 * JVM copies, and the connection an Interflux server accepted from the relay is the inbound:
 *
 * <pre>
 * StreamConnection (client) --socket--> SocketRelay (child JVM) --socket--> StreamServer's connection (inbound)
 * </pre>
 *
 * The relay is the real process on the other side of the inbound's socket that the peer-death
 * test kills, as the pipe suite's {@code cat} is. The server's framing has the loopback's maximum;
 * the client's has none worth the name, so an oversize frame goes out whole and the server's
 * decoder must refuse it.
 */
final class RelayedSocketTransport implements TransportUnderTest {

    static final Duration WAIT = Duration.ofSeconds(10);

    /** Netty's largest read into one buffer (its adaptive allocator's maximum), the most a read takes ahead of demand. */
    static final int NETTY_LARGEST_READ = 64 * 1024;
    /** Frames reactor-netty's send requests ahead of the writes that have completed ({@code MonoSend.MAX_SIZE}). */
    static final int SEND_PREFETCH = 256;

    private final boolean unix;

    private RelayedSocketTransport(boolean unix) {
        this.unix = unix;
    }

    static RelayedSocketTransport tcp() {
        return new RelayedSocketTransport(false);
    }

    static RelayedSocketTransport unix() {
        return new RelayedSocketTransport(true);
    }

    @Override
    public String name() {
        return unix ? "unix-stream" : "tcp";
    }

    @Override
    public Loopback open(int maxFrameSize) throws Exception {
        Path dir = Files.createTempDirectory("ifx-sock-tck");
        RelayedLoopback loopback = new RelayedLoopback(dir);
        try {
            loopback.connect(maxFrameSize);
            return loopback;
        } catch (Exception | Error e) {
            try {
                loopback.close();
            } catch (Exception | Error suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private final class RelayedLoopback implements Loopback {
        final Path dir;
        final Path serverPath;
        StreamServer<byte[]> server;
        Process relay;
        StreamConnection<byte[]> client;
        StreamConnection<byte[]> accepted;

        RelayedLoopback(Path dir) {
            this.dir = dir;
            this.serverPath = dir.resolve("server.sock");
        }

        void connect(int maxFrameSize) throws Exception {
            Framing framing = Framing.lengthPrefixed(maxFrameSize);
            server = (unix ? SocketServer.unix(serverPath) : SocketServer.tcp("127.0.0.1", 0))
                    .framing(framing).bindNow(WAIT);
            Path relayPath = dir.resolve("relay.sock");
            List<String> target = unix ? List.of("unix", relayPath.toString(), serverPath.toString())
                    : List.of("tcp", "127.0.0.1", Integer.toString(server.port()));
            relay = startRelay(target);
            String listening = awaitListening();
            // any size goes out: the server's limit is the one under test
            Framing unlimited = Framing.lengthPrefixed(Integer.MAX_VALUE);
            client = (unix ? SocketClient.unix(relayPath) : SocketClient.tcp("127.0.0.1", Integer.parseInt(listening)))
                    .framing(unlimited).connectNow(WAIT);
            accepted = server.connections().blockFirst(WAIT);
        }

        private Process startRelay(List<String> args) throws IOException {
            String java = ProcessHandle.current().info().command()
                    .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            List<String> command = new ArrayList<>(List.of(java, "-Xmx32m", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
                    SocketRelay.class.getName()));
            command.addAll(args);
            // files, not pipes: this JVM holds no descriptor of the relay's, so the descriptor count sees only sockets
            return new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(dir.resolve("relay.out").toFile())
                    .redirectError(dir.resolve("relay.err").toFile())
                    .start();
        }

        /** What the relay listens on, once it says so; fails with its stderr if it dies or is silent. */
        private String awaitListening() throws IOException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            Path out = dir.resolve("relay.out");
            for (;;) {
                // a whole line only: the relay may be half-way through writing it
                String text = Files.readString(out);
                int at = text.indexOf("listening ");
                int end = at < 0 ? -1 : text.indexOf('\n', at);
                if (end > at) {
                    return text.substring(at + "listening ".length(), end);
                }
                if (!relay.isAlive() || System.nanoTime() - deadline > 0) {
                    throw new AssertionError("the relay did not listen within " + WAIT + " ("
                            + (relay.isAlive() ? "running" : "exit " + relay.exitValue()) + "): "
                            + Files.readString(dir.resolve("relay.err")));
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        }

        @Override
        public Flux<byte[]> inbound() {
            return accepted.receive();
        }

        @Override
        public Mono<Void> send(Publisher<byte[]> frames) {
            return client.send(frames);
        }

        @Override
        public Mono<Void> sendOversize(int size) {
            return client.send(Mono.just(new byte[size]));
        }

        /**
         * Everything between the client's send and the server's inbound, each counted as payload
         * (an upper bound: every frame carries a 4-byte header, every kernel buffer some overhead),
         * plus a quarter for what the sum misses:
         * <ul>
         *   <li>reactor-netty's send: {@value #SEND_PREFETCH} frames requested ahead of completed writes;</li>
         *   <li>the client's kernel send buffer: for TCP autotuned up to {@code tcp_wmem}'s maximum,
         *       for a Unix socket {@code net.core.wmem_default}, which holds what the relay has not read;</li>
         *   <li>the relay: doubled SO_RCVBUF and SO_SNDBUF and its copy buffer;</li>
         *   <li>the server's kernel receive buffer (TCP: up to {@code tcp_rmem}'s maximum);</li>
         *   <li>the server's read ahead of demand: one Netty read and a frame being cut.</li>
         * </ul>
         */
        @Override
        public long inFlightBoundBytes(int frameSize) {
            long client = (long) SEND_PREFETCH * frameSize
                    + (unix ? sysctl("net/core/wmem_default", 0) : sysctl("net/ipv4/tcp_wmem", 2));
            long relay = 2L * SocketRelay.BUFFER + SocketRelay.BUFFER + 2L * SocketRelay.BUFFER;
            long server = (unix ? 0 : sysctl("net/ipv4/tcp_rmem", 2)) + NETTY_LARGEST_READ + frameSize + 4;
            return (client + relay + server) * 5 / 4;
        }

        @Override
        public ProcessHandle startPeer() {
            return relay.toHandle(); // the relay is on the other end of the inbound's socket
        }

        @Override
        public boolean namedObjectExists() {
            return unix && Files.exists(serverPath, LinkOption.NOFOLLOW_LINKS);
        }

        @Override
        public void close() throws Exception {
            try {
                dispose(client);
                dispose(accepted);
                dispose(server);
                if (relay != null) {
                    relay.destroyForcibly();
                    if (!relay.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                        throw new AssertionError("the relay did not end within " + WAIT + " of SIGKILL");
                    }
                }
                awaitDisposed(client);
                awaitDisposed(accepted);
                awaitDisposed(server);
                if (namedObjectExists()) {
                    throw new AssertionError("the socket file " + serverPath + " was still there after dispose");
                }
            } finally {
                deleteTree(dir);
            }
        }
    }

    private static void dispose(IpcResource resource) {
        if (resource != null) {
            resource.dispose();
        }
    }

    private static void awaitDisposed(IpcResource resource) {
        if (resource != null) {
            resource.onDispose().block(WAIT);
        }
    }

    /** Field {@code index} of {@code /proc/sys/<name>}: {@code tcp_rmem} holds "min default max". */
    static long sysctl(String name, int index) {
        try {
            // not readString: it reads /proc/sys files, which report a size of 0, one byte short
            return Long.parseLong(Files.readAllLines(Path.of("/proc/sys", name)).get(0).trim().split("\\s+")[index]);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/sys/" + name, e);
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> tree = Files.walk(root)) {
            for (Path p : tree.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        }
    }
}
