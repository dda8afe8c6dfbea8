package io.interflux.examples.tour;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.socket.SocketClient;
import io.interflux.socket.SocketServer;
import io.interflux.socket.StreamConnection;
import io.interflux.socket.StreamServer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Sockets: TCP on loopback and a Unix socket, framed like every other byte stream, echoing
 * length-prefixed frames; then a Unix server that accepts only its own process and refuses a
 * child JVM before it can send a byte.
 */
public final class SocketChapter implements Chapter {

    private static final Duration LIMIT = Duration.ofSeconds(30);
    private static final int FRAMES = 200_000;
    private static final int TRIPS = 5_000;

    @Override
    public String title() {
        return "Sockets: TCP and Unix domain";
    }

    @Override
    public Row run(PrintStream out) throws Exception {
        Path dir = Files.createTempDirectory("interflux-tour-sockets");
        try {
            StreamServer<byte[]> tcp = SocketServer.tcp("127.0.0.1", 0).framing(Framing.lengthPrefixed(1024))
                    .handle(c -> c.send(c.receive())).bindNow(LIMIT);
            StreamServer<byte[]> unix = SocketServer.unix(dir.resolve("echo.sock")).framing(Framing.lengthPrefixed(1024))
                    .handle(c -> c.send(c.receive())).bindNow(LIMIT);
            String tcpRow;
            String unixRow;
            String tcpRtt;
            String unixRtt;
            try {
                out.println("   echo servers: TCP 127.0.0.1:" + tcp.port() + ", Unix " + unix.path() + " (mode "
                        + java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(unix.path(),
                        java.nio.file.LinkOption.NOFOLLOW_LINKS)) + ")");
                double[] t = measure(SocketClient.tcp("127.0.0.1", tcp.port()).framing(Framing.lengthPrefixed(1024))
                        .connectNow(LIMIT));
                double[] u = measure(SocketClient.unix(unix.path()).framing(Framing.lengthPrefixed(1024)).connectNow(LIMIT));
                out.printf("   TCP:  %,.0f echoed 64 B frames/s, p50 RTT %.1f us%n", t[0], t[1]);
                out.printf("   Unix: %,.0f echoed 64 B frames/s, p50 RTT %.1f us%n", u[0], u[1]);
                tcpRow = String.format("%,.0f msg/s (64 B echo)", t[0]);
                unixRow = String.format("%,.0f msg/s (64 B echo)", u[0]);
                tcpRtt = String.format("%.1f us p50 RTT", t[1]);
                unixRtt = String.format("%.1f us p50 RTT", u[1]);
            } finally {
                tcp.dispose();
                unix.dispose();
            }
            refusedPeer(out, dir);
            return new Row("sockets (TCP / Unix)", "TCP " + tcpRow + "; Unix " + unixRow, tcpRtt + " / " + unixRtt,
                    "byte stream (lines, frames), datagrams", "two-way", "services on one host (Unix) or the network (TCP)");
        } finally {
            try (var files = Files.list(dir)) {
                files.forEach(p -> p.toFile().delete());
            }
            Files.deleteIfExists(dir);
        }
    }

    /** Frames per second through the echo, then the median round trip. */
    private static double[] measure(StreamConnection<byte[]> c) {
        try {
            Flux<byte[]> replies = c.receive().publish().autoConnect();
            for (int warm = 0; warm < 2; warm++) {
                RoundTrips.medianMicros(c::send, replies, TRIPS);
            }
            double rtt = RoundTrips.medianMicros(c::send, replies, TRIPS);
            long t0 = System.nanoTime();
            Mono.when(c.send(Flux.range(0, FRAMES).map(i -> new byte[64])), replies.take(FRAMES).then()).block(LIMIT);
            double rate = FRAMES / ((System.nanoTime() - t0) / 1e9);
            return new double[] {rate, rtt};
        } finally {
            c.dispose();
        }
    }

    /** A server that accepts only this process; a child JVM connects and is closed unheard. */
    private static void refusedPeer(PrintStream out, Path dir) throws Exception {
        int self = (int) ProcessHandle.current().pid();
        Path path = dir.resolve("private.sock");
        int[] served = new int[1];
        StreamServer<String> server = SocketServer.unix(path).codec(Codec.utf8())
                .requirePeer(p -> p.pid() == self)
                .handle(c -> c.receive().doOnNext(line -> served[0]++).then())
                .bindNow(LIMIT);
        try {
            Process child = new ProcessBuilder(SignalChapter.javaCommand(Intruder.class, path.toString()))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String said = lines.readLine();
            child.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS);
            out.println("   a server with requirePeer(pid == " + self + "): child pid " + child.pid() + " connected and "
                    + said + "; lines that reached the handler: " + served[0]);
        } finally {
            server.dispose();
        }
    }

    /** The child: connects, sends a line, and says whether the server closed it. */
    public static final class Intruder {

        private Intruder() {
        }

        /**
         * Tries the server.
         *
         * @param args the socket's path
         */
        public static void main(String[] args) {
            StreamConnection<String> c = SocketClient.unix(Path.of(args[0])).codec(Codec.utf8()).connectNow(LIMIT);
            c.send(Flux.just("let me in")).onErrorResume(e -> Mono.empty()).block(LIMIT);
            boolean closed = c.receive().then(Mono.just(true)).onErrorReturn(true).block(LIMIT);
            System.out.println(closed ? "was closed by the server before any byte reached it" : "was served");
            System.exit(0);
        }
    }
}
