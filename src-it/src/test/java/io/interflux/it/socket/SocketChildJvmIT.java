package io.interflux.it.socket;

import io.interflux.Codec;
import io.interflux.testkit.ChildJvm;
import io.interflux.it.support.ChildLines;
import io.interflux.it.support.OsResources;
import io.interflux.pipe.ChildProcess;
import io.interflux.socket.SocketClient;
import io.interflux.socket.SocketServer;
import io.interflux.socket.StreamConnection;
import io.interflux.socket.StreamServer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A child JVM with Interflux on its side too ({@link SocketPeer}), as the client of a TCP server
 * in this JVM and as the server of a Unix socket this JVM connects to.
 */
@Timeout(60)
@DisplayName("A child JVM on the other end of a stream socket")
class SocketChildJvmIT {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final int LINES = 1_000;

    @RegisterExtension
    final OsResources os = new OsResources();

    @TempDir
    Path dir;

    static List<String> upperCased() {
        return IntStream.range(0, LINES).mapToObj(i -> SocketPeer.line(i).toUpperCase()).collect(Collectors.toList());
    }

    @Test
    @DisplayName("as a TCP client: its 1,000 lines reach this JVM's server and come back upper-cased, in order")
    void childClient() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        StreamServer<String> server = os.track(SocketServer.tcp("127.0.0.1", 0).codec(Codec.utf8())
                .handle(c -> c.send(c.receive().doOnNext(received::add).map(String::toUpperCase)))
                .bindNow(WAIT));
        ChildProcess child = os.track(ChildJvm.of(SocketPeer.class, "client", "tcp", "127.0.0.1",
                Integer.toString(server.port()), Integer.toString(LINES)).as(ChildProcess::command).start().block(WAIT));
        ChildLines out = os.track(new ChildLines(child));

        List<String> printed = new ArrayList<>();
        for (int i = 0; i < LINES; i++) {
            printed.add(out.next(WAIT));
        }
        assertThat(out.next(WAIT)).isEqualTo("<eof>");
        assertThat(child.exit().block(WAIT)).as("child exit status; stderr: %s", child.capturedStderr()).isZero();
        assertThat(printed).as("lines the child received").containsExactlyElementsOf(upperCased());
        assertThat(received).as("lines this JVM's server received")
                .containsExactlyElementsOf(IntStream.range(0, LINES).mapToObj(SocketPeer::line).collect(Collectors.toList()));
    }

    @Test
    @DisplayName("as a Unix socket server: its credentials name it, our lines come back upper-cased, and its file goes when it stops")
    void childServer() throws Exception {
        Path path = dir.resolve("child.sock");
        ChildProcess child = os.track(ChildJvm.of(SocketPeer.class, "server", "unix", path.toString())
                .as(ChildProcess::command).start().block(WAIT));
        ChildLines out = os.track(new ChildLines(child));
        assertThat(out.next(WAIT)).as("the child's first line; stderr: %s", child.capturedStderr())
                .isEqualTo("listening " + path);

        StreamConnection<String> client = os.track(SocketClient.unix(path).codec(Codec.utf8()).connectNow(WAIT));
        // SO_PEERCRED of a client names the process that listened
        assertThat(client.peer()).hasValueSatisfying(p -> {
            assertThat(p.pid()).isEqualTo(child.pid());
            assertThat(p.sameUser()).isTrue();
        });
        client.send(Flux.range(0, LINES).map(SocketPeer::line)).subscribe();
        assertThat(client.receive().take(LINES).collectList().block(WAIT)).containsExactlyElementsOf(upperCased());
        client.dispose();

        child.closeStdin().block(WAIT); // the child disposes its server, which removes the file
        assertThat(child.exit().block(WAIT)).as("child exit status; stderr: %s", child.capturedStderr()).isZero();
        assertThat(Files.exists(path, LinkOption.NOFOLLOW_LINKS)).as("socket file after the child's dispose").isFalse();
    }
}
