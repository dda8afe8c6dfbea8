package io.interflux.it.socket;

import io.interflux.it.support.CProgram;
import io.interflux.it.support.ChildLines;
import io.interflux.it.support.OsResources;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.Stdio;
import io.interflux.socket.Datagram;
import io.interflux.socket.DatagramSocket;
import io.interflux.socket.Datagrams;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A Python 3 UDP peer, written with the standard library's {@code socket} module and nothing else,
 * exchanging datagrams with an Interflux {@link DatagramSocket} on loopback: each datagram arrives
 * whole with its sender's address, one over the maximum size is refused and counted without ending
 * the stream, and replies reach the address a datagram came from.
 */
@Timeout(60)
@DisplayName("A Python 3 UDP peer exchanging datagrams with a DatagramSocket")
class DatagramPythonPeerIT {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final int MAX_SIZE = 1000;
    static final int SMALL = 100;
    static final int LARGE = 5;
    static final int REPLIES = 10;

    /**
     * {@code PORT SMALL REPLIES}: binds a UDP socket on 127.0.0.1, prints {@code port N}, sends
     * SMALL datagrams of 10 to 900 bytes to PORT with one of 1500 to 5000 bytes after every 20th
     * (from the 10th), prints {@code sent N}, then waits (bounded) for REPLIES datagrams and prints
     * {@code received COUNT SIZES... ok|bad} (whether every payload had the expected bytes).
     */
    static final String PEER = String.join("\n",
            "import socket, sys",
            "port, small, replies = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])",
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
            "s.bind(('127.0.0.1', 0))",
            "print('port %d' % s.getsockname()[1], flush=True)",
            "base = bytes(range(256)) * 40",
            "def payload(i, n):  # byte k is (i + k) mod 256",
            "    return base[i % 256:i % 256 + n]",
            "sent, large = 0, 0",
            "for i in range(small):",
            "    s.sendto(payload(i, 10 + (i * 89) % 891), ('127.0.0.1', port))",
            "    sent += 1",
            "    if i % 20 == 10:",
            "        s.sendto(b'L' * (1500 + large * 875), ('127.0.0.1', port))",
            "        large += 1",
            "        sent += 1",
            "print('sent %d' % sent, flush=True)",
            "s.settimeout(15)",
            "sizes, good = [], True",
            "try:",
            "    while len(sizes) < replies:",
            "        data, sender = s.recvfrom(65536)",
            "        good = good and data == payload(len(sizes), len(data)) and sender == ('127.0.0.1', port)",
            "        sizes.append(len(data))",
            "except socket.timeout:",
            "    pass",
            "s.close()",
            "print('received %d %s %s' % (len(sizes), ' '.join(map(str, sizes)), 'ok' if good else 'bad'), flush=True)",
            "");

    @RegisterExtension
    final OsResources os = new OsResources();

    @TempDir
    Path dir;

    Path script;

    @BeforeEach
    void writePeer() throws IOException {
        assumeTrue(CProgram.onPath("python3"), "python3 is not installed");
        script = Files.writeString(dir.resolve("datagram_peer.py"), PEER);
    }

    /** Byte k of datagram i is (i + k) mod 256, as the peer's {@code payload}. */
    static byte[] payload(int i, int size) {
        byte[] p = new byte[size];
        for (int k = 0; k < size; k++) {
            p[k] = (byte) (i + k);
        }
        return p;
    }

    static int smallSize(int i) {
        return 10 + (i * 89) % 891;
    }

    static int replySize(int i) {
        return 1 + i * 111; // 1 to 1000, the maximum size
    }

    @Test
    @DisplayName("receives the 100 datagrams within the limit in order from the peer's address, refuses the 5 over it, and replies reach the peer")
    void exchangesDatagrams() throws Exception {
        DatagramSocket socket = os.track(Datagrams.udp("127.0.0.1", 0).maxSize(MAX_SIZE).bindNow(WAIT));
        // subscribed before the peer starts, so nothing waits on an unread socket; all 5 large
        // datagrams come before the 100th small one, so they are counted by the time it arrives
        CompletableFuture<List<Datagram>> received = socket.receive().take(SMALL).collectList().toFuture();

        ChildProcess python = os.track(ChildProcess.command(List.of("python3", script.toString(),
                        Integer.toString(socket.port()), Integer.toString(SMALL), Integer.toString(REPLIES)))
                .stdin(Stdio.discard()).start().block(WAIT));
        ChildLines out = os.track(new ChildLines(python));

        String portLine = out.next(WAIT);
        assertThat(portLine).as("python's port; stderr: %s", python.capturedStderr()).startsWith("port ");
        SocketAddress peer = new InetSocketAddress("127.0.0.1", Integer.parseInt(portLine.substring(5)));
        assertThat(out.next(WAIT)).as("python's sends; stderr: %s", python.capturedStderr())
                .isEqualTo("sent " + (SMALL + LARGE));

        List<Datagram> datagrams = received.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(datagrams).hasSize(SMALL);
        for (int i = 0; i < SMALL; i++) {
            Datagram d = datagrams.get(i);
            assertThat(d.payload()).as("datagram %d", i).isEqualTo(payload(i, smallSize(i)));
            assertThat(d.address()).as("sender of datagram %d", i).isEqualTo(peer);
        }
        assertThat(socket.refusedDatagrams()).as("datagrams over %d bytes refused", MAX_SIZE).isEqualTo(LARGE);

        socket.send(Flux.range(0, REPLIES).map(i -> Datagram.of(payload(i, replySize(i)), datagrams.get(0).address())))
                .block(WAIT);

        String sizes = IntStream.range(0, REPLIES).mapToObj(i -> Integer.toString(replySize(i)))
                .collect(Collectors.joining(" "));
        assertThat(out.next(WAIT)).as("what python received; stderr: %s", python.capturedStderr())
                .isEqualTo("received " + REPLIES + " " + sizes + " ok");
        assertThat(python.exit().block(WAIT)).as("python's exit status; stderr: %s", python.capturedStderr()).isZero();
    }
}
