package io.interflux.it.socket;

import io.interflux.Codec;
import io.interflux.it.support.ChildLines;
import io.interflux.it.support.Eventually;
import io.interflux.it.support.OsResources;
import io.interflux.it.support.UnprivilegedJvm;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.Stdio;
import io.interflux.socket.PeerCredentials;
import io.interflux.socket.SocketServer;
import io.interflux.socket.StreamServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code requirePeer(PeerCredentials::sameUser)} on a Unix socket that anyone may open (mode 0666,
 * in a directory anyone may search): a Python client running as {@code nobody} connects and
 * sends, and is closed before a byte of it reaches the handler; a client of this JVM's user is
 * served. Runs as root, starting the stranger with {@code setpriv} (see {@link UnprivilegedJvm}).
 */
@Timeout(60)
@DisplayName("A Unix socket server that requires a peer of its own user")
class SocketPeerCredentialsIT {

    static final Duration WAIT = Duration.ofSeconds(20);
    /** The interpreter outside root's home, which nobody may run (the PATH's python3 may be a shim under /root). */
    static final Path SYSTEM_PYTHON = Path.of("/usr/bin/python3");

    /**
     * {@code PATH}: connects, prints its uid and pid, sends {@code hello}, prints what comes back
     * up to the end of the stream (or a reset), and exits.
     */
    static final String PEER = String.join("\n",
            "import os, socket, sys",
            "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
            "s.connect(sys.argv[1])",
            "print('connected uid=%d pid=%d' % (os.getuid(), os.getpid()), flush=True)",
            "try:",
            "    s.sendall(b'hello\\n')",
            "    got = b''",
            "    while not got.endswith(b'\\n'):",
            "        b = s.recv(65536)",
            "        if not b:",
            "            break",
            "        got += b",
            "    print('received %r' % got.decode(), flush=True)",
            "except (ConnectionResetError, BrokenPipeError) as e:",
            "    print('received nothing: %s' % type(e).__name__, flush=True)",
            "s.close()",
            "");

    @RegisterExtension
    final OsResources os = new OsResources();

    Path dir;
    Path path;
    final List<PeerCredentials> judged = new CopyOnWriteArrayList<>();
    final AtomicInteger served = new AtomicInteger();
    final List<String> lines = new CopyOnWriteArrayList<>();

    @BeforeEach
    void serve() throws IOException {
        UnprivilegedJvm.assumeAvailable();
        assumeTrue(Files.isExecutable(SYSTEM_PYTHON), SYSTEM_PYTHON + " is not installed");
        dir = Files.createTempDirectory(Path.of("/tmp"), "ifx-peer-");
        os.onRelease("delete " + dir, () -> deleteTree(dir));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        path = dir.resolve("strict.sock");
        StreamServer<String> server = os.track(SocketServer.unix(path).mode(0666).codec(Codec.utf8())
                .requirePeer(p -> {
                    judged.add(p);
                    return p.sameUser();
                })
                .handle(c -> {
                    served.incrementAndGet();
                    int uid = c.peer().orElseThrow().uid();
                    return c.send(c.receive().doOnNext(lines::add).map(line -> "welcome, uid " + uid));
                })
                .bindNow(WAIT));
        assertThat(server.path()).isEqualTo(path);
    }

    private ChildProcess peer(List<String> command) {
        return os.track(ChildProcess.command(command).directory(dir).stdin(Stdio.discard()).start().block(WAIT));
    }

    private static List<String> python(String socket) {
        return List.of(SYSTEM_PYTHON.toString(), "-c", PEER, socket);
    }

    @Test
    @DisplayName("a peer running as nobody is closed before its first byte reaches the handler")
    void strangerRefused() throws Exception {
        ChildProcess stranger = peer(UnprivilegedJvm.asNobody(python(path.toString())));
        ChildLines out = os.track(new ChildLines(stranger));

        assertThat(out.next(WAIT)).as("the stranger's first line; stderr: %s", stranger.capturedStderr())
                .isEqualTo("connected uid=" + UnprivilegedJvm.UID + " pid=" + stranger.pid());
        assertThat(out.next(WAIT)).as("what the stranger got back").isIn("received ''",
                "received nothing: ConnectionResetError", "received nothing: BrokenPipeError");
        assertThat(stranger.exit().block(WAIT)).isZero();
        assertThat(judged).as("the peers the rule judged").singleElement().satisfies(p -> {
            assertThat(p.uid()).isEqualTo(UnprivilegedJvm.UID);
            assertThat(p.pid()).isEqualTo(stranger.pid());
            assertThat(p.sameUser()).isFalse();
        });
        assertThat(served).as("connections the handler saw").hasValue(0);
        assertThat(lines).as("lines that reached user code").isEmpty();
    }

    @Test
    @DisplayName("a peer of this JVM's user is served: its line reaches the handler and the answer reaches it")
    void sameUserServed() throws Exception {
        ChildProcess friend = peer(python(path.toString()));
        ChildLines out = os.track(new ChildLines(friend));

        assertThat(out.next(WAIT)).as("the peer's first line; stderr: %s", friend.capturedStderr())
                .isEqualTo("connected uid=0 pid=" + friend.pid());
        assertThat(out.next(WAIT)).isEqualTo("received 'welcome, uid 0\\n'");
        assertThat(friend.exit().block(WAIT)).isZero();
        Eventually.holds(WAIT, () -> "lines served: " + lines, () -> !lines.isEmpty());
        assertThat(lines).containsExactly("hello");
        assertThat(served).hasValue(1);
        assertThat(judged).singleElement().satisfies(p -> assertThat(p.sameUser()).isTrue());
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> tree = Files.walk(root)) {
            for (Path p : tree.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        }
    }
}
