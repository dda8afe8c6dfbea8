package io.interflux.it.socket;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.UnixSignal;
import io.interflux.testkit.ChildJvm;
import io.interflux.it.support.ChildLines;
import io.interflux.it.support.OsResources;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.Stdio;
import io.interflux.socket.SocketClient;
import io.interflux.socket.SocketServer;
import io.interflux.socket.StreamConnection;
import io.interflux.socket.StreamServer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A Unix socket's file as the shell sees it: {@code ls -l} shows {@code srw-------} from the
 * moment the bind returns and nothing after dispose; a server process killed with
 * {@code SIGKILL} leaves its file behind, and the next bind reclaims it.
 */
@Timeout(60)
@DisplayName("A Unix socket file, looked at with ls")
class UnixSocketFileIT {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final int KILLED = 128 + 9;

    @RegisterExtension
    final OsResources os = new OsResources();

    @TempDir
    Path dir;

    /** What {@code ls -l -i -d} says of a path: its exit status and its one line, or its stderr. */
    record Listing(int status, String line) {
        String mode() {
            return line.split("\\s+")[1];
        }

        long inode() {
            return Long.parseLong(line.trim().split("\\s+")[0]);
        }
    }

    private Listing ls(Path path) {
        ChildProcess ls = ChildProcess.command("ls", "-l", "-i", "-d", "--", path.toString())
                .stdin(Stdio.discard()).start().block(WAIT);
        try {
            List<String> out = ls.stdout(Framing.lines(), Codec.utf8()).collectList().block(WAIT);
            int status = ls.exit().block(WAIT);
            return new Listing(status, status == 0 ? String.join("\n", out) : ls.capturedStderr().trim());
        } finally {
            ls.dispose();
        }
    }

    private void assertNothingElseIn(Path dir, Path expected) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).as("files next to the socket (no private directory left)").containsExactly(expected);
        }
    }

    @Test
    @DisplayName("is srw------- as soon as bind returns, and gone after dispose")
    void modeAndRemoval() throws Exception {
        Path path = dir.resolve("api.sock");
        StreamServer<byte[]> server = os.track(SocketServer.unix(path).bindNow(WAIT));

        Listing bound = ls(path);
        assertThat(bound.status()).as("ls of the bound socket: %s", bound.line()).isZero();
        assertThat(bound.mode()).isEqualTo("srw-------");
        assertNothingElseIn(dir, path);

        server.dispose();
        server.onDispose().block(WAIT);
        Listing gone = ls(path);
        assertThat(gone.status()).as("ls after dispose: %s", gone.line()).isNotZero();
        assertThat(gone.line()).contains("No such file or directory");
    }

    @Test
    @DisplayName("left behind by a server process killed with SIGKILL, is reclaimed by the next bind")
    void staleFileReclaimed() throws Exception {
        Path path = dir.resolve("service.sock");
        ChildProcess child = os.track(ChildJvm.of(SocketPeer.class, "server", "unix", path.toString())
                .as(ChildProcess::command).start().block(WAIT));
        ChildLines out = os.track(new ChildLines(child));
        assertThat(out.next(WAIT)).as("the child's first line; stderr: %s", child.capturedStderr())
                .isEqualTo("listening " + path);
        Listing live = ls(path);
        assertThat(live.mode()).as("the child's socket: %s", live.line()).isEqualTo("srw-------");

        child.signal(UnixSignal.SIGKILL).block(WAIT);
        assertThat(child.exit().block(WAIT)).isEqualTo(KILLED);
        Listing stale = ls(path);
        assertThat(stale.status()).as("ls after the kill: %s", stale.line()).isZero();
        assertThat(stale.inode()).as("the same file, left behind").isEqualTo(live.inode());
        assertThatThrownBy(() -> SocketClient.unix(path).connectNow(WAIT))
                .as("nobody listens on a stale socket").hasMessageContaining("Connection refused");

        StreamServer<String> server = os.track(SocketServer.unix(path).codec(Codec.utf8())
                .handle(c -> c.send(c.receive().map(String::toUpperCase)))
                .bindNow(WAIT));
        Listing reclaimed = ls(path);
        assertThat(reclaimed.mode()).as("the new socket: %s", reclaimed.line()).isEqualTo("srw-------");
        assertNothingElseIn(dir, path);
        // live where the stale one refused (its inode proves nothing: the file system may reuse the freed number)
        StreamConnection<String> client = os.track(SocketClient.unix(path).codec(Codec.utf8()).connectNow(WAIT));
        client.send(Mono.just("reclaimed")).block(WAIT);
        assertThat(client.receive().blockFirst(WAIT)).isEqualTo("RECLAIMED");
        assertThat(server.path()).isEqualTo(path);
    }
}
