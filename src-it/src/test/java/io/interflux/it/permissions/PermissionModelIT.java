package io.interflux.it.permissions;

import io.interflux.Codec;
import io.interflux.IpcException;
import io.interflux.fifo.Fifo;
import io.interflux.it.support.OsResources;
import io.interflux.it.support.UnprivilegedJvm;
import io.interflux.Creation;
import io.interflux.mqueue.PosixQueue;
import io.interflux.mqueue.internal.QueueCalls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Root's named objects used by a peer running as nobody: the peer needs the access the object's
 * mode grants it, and no more. Runs as root, and starts the peers with {@code setpriv}
 * (see {@link UnprivilegedJvm}); skipped otherwise.
 */
@Timeout(120)
@DisplayName("A peer running as nobody")
class PermissionModelIT {

    static final Duration WAIT = Duration.ofSeconds(30);
    /** How long a refused open may take: it fails at once, it never waits. */
    static final Duration REFUSAL = Duration.ofSeconds(10);
    static final AtomicInteger SEQUENCE = new AtomicInteger();

    static UnprivilegedJvm nobody;

    @RegisterExtension
    final OsResources os = new OsResources();

    /** The peers' stdout and stderr, written by this JVM: root's 0700 is fine. */
    @TempDir
    Path output;

    @BeforeAll
    static void copyClassPath() throws IOException {
        if (UnprivilegedJvm.isAvailable()) {
            nobody = UnprivilegedJvm.copyClassPath();
        }
    }

    @BeforeEach
    void assumeAvailable() {
        UnprivilegedJvm.assumeAvailable();
    }

    @AfterAll
    static void deleteCopy() throws IOException {
        if (nobody != null) {
            nobody.close();
        }
    }

    @Test
    @DisplayName("reads root's FIFO of mode 0644, which it may not write, and prints exactly the three lines root sends")
    void readsFifoItMayOnlyRead() throws Exception {
        Path fifo = sharedDirectory().resolve("lines");
        List<String> lines = List.of("first line", "second line", "third line");
        // subscribing creates the FIFO with exactly this mode, then waits for a reader
        CompletableFuture<Void> sent = Fifo.at(fifo).codec(Codec.utf8()).mode(0644).removeOnDispose(true)
                .send(Flux.fromIterable(lines)).timeout(WAIT.multipliedBy(2)).toFuture();
        os.onRelease("cancel the send to " + fifo, () -> sent.cancel(true));
        assertThat(sent).as("root's send, waiting for a reader").isNotDone();
        PosixFileAttributes attributes = Files.readAttributes(fifo, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        assertThat(attributes.isOther()).as("%s is a FIFO", fifo).isTrue();
        assertThat(PosixFilePermissions.toString(attributes.permissions())).isEqualTo("rw-r--r--");

        // the control: nobody may not write it, so this test would see a peer that could
        Peer writer = start("nobody-writes", UnprivilegedJvm.asNobody("sh", "-c", "echo x > \"$1\"", "sh", fifo.toString()));
        assertThat(writer.exitWithin(REFUSAL, "an open for writing that is refused fails at once,"
                + " one that is allowed waits for a reader")).as(writer.describe()).isNotZero();
        assertThat(writer.stderr()).contains("Permission denied");

        Peer reader = start("nobody-reads", nobody.command(PermissionPeer.class, "fifo-read", fifo.toString()));
        int exit = reader.exitWithin(WAIT, "the reader ends when root's writer has gone");
        reader.assertRanAsNobody();
        assertThat(exit).as(reader.describe()).isEqualTo(PermissionPeer.EXIT_OK);
        assertThat(reader.stdout()).containsExactlyElementsOf(lines);
        sent.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(Files.exists(fifo, LinkOption.NOFOLLOW_LINKS)).as("FIFO removed by root's writer").isFalse();
    }

    @Test
    @DisplayName("sends three messages into root's POSIX queue of mode 0622, opened send-only, and root receives exactly those")
    void sendsIntoQueueItMayOnlyWrite() {
        String name = uniqueQueueName();
        PosixQueue queue = createQueue(name);
        Peer sender = start("nobody-sends", nobody.command(PermissionPeer.class, "queue-send", name, "3"));
        // three messages fit in the queue (10 by default), so the sender ends before anyone receives
        int exit = sender.exitWithin(WAIT, "the sender ends once its messages are queued");
        sender.assertRanAsNobody();
        assertThat(exit).as(sender.describe()).isEqualTo(PermissionPeer.EXIT_OK);
        assertThat(queue.receive(Codec.utf8()).take(3).collectList().block(WAIT))
                .containsExactlyElementsOf(IntStream.range(0, 3).mapToObj(PermissionPeer::message)
                        .collect(Collectors.toList()));
        assertThat(queue.currentMessages()).as("messages left in the queue").isZero();
        queue.dispose();
        queue.onDispose().block(WAIT);
        assertThatThrownBy(() -> PosixQueue.named(name).creation(Creation.OPEN_EXISTING).openNow(WAIT))
                .as("queue removed by its creator")
                .isInstanceOfSatisfying(IpcException.class, e -> assertThat(e.errnoName()).isEqualTo("ENOENT"));
    }

    @Test
    @DisplayName("opening root's queue of mode 0622 with the default access fails with EACCES and the hint access(Access.SEND)")
    void defaultAccessToQueueItMayOnlyWriteIsRefused() {
        String name = uniqueQueueName();
        createQueue(name);
        Peer opener = start("nobody-opens", nobody.command(PermissionPeer.class, "queue-open-default", name));
        int exit = opener.exitWithin(WAIT, "a refused open fails at once");
        opener.assertRanAsNobody();
        assertThat(exit).as(opener.describe()).isEqualTo(PermissionPeer.EXIT_IPC_EXCEPTION);
        assertThat(opener.stdout()).singleElement().asString()
                .contains(name)
                .contains("EACCES")
                .contains("access(Access.SEND)");
    }

    /** A fresh directory under /tmp that nobody may enter and list (0755), removed after the test. */
    private Path sharedDirectory() throws IOException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "interflux-perm-");
        os.onRelease("delete " + dir, () -> deleteTree(dir));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> tree = Files.walk(root)) {
            for (Path p : tree.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static String uniqueQueueName() {
        return "/interflux-perm-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
    }

    /** Root's queue {@code name}, mode 0622: anyone may write it, only root may read it. Removed after the test. */
    private PosixQueue createQueue(String name) {
        // the public API removes only a queue its opening created; this also removes one a failed run left
        os.onRelease("mq_unlink " + name, () -> QueueCalls.lib().mq_unlink(name));
        PosixQueue queue = os.track(PosixQueue.named(name).mode(0622).creation(Creation.CREATE_NEW).openNow(WAIT));
        assertThat(queue.created()).isTrue();
        return queue;
    }

    private Peer start(String name, List<String> command) {
        Path out = output.resolve(name + ".out");
        Path err = output.resolve(name + ".err");
        try {
            Process process = os.track(nobody.processBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start());
            return new Peer(name, command, process, out, err);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /** A peer process and the files its stdout and stderr go to; {@link OsResources} kills it after the test. */
    private static final class Peer {
        final String name;
        final List<String> command;
        final Process process;
        final Path out;
        final Path err;

        Peer(String name, List<String> command, Process process, Path out, Path err) {
            this.name = name;
            this.command = command;
            this.process = process;
            this.out = out;
            this.err = err;
        }

        /** The exit code; fails if the peer is still running after {@code timeout}, saying {@code why} it should not be. */
        int exitWithin(Duration timeout, String why) {
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new AssertionError(name + " still running after " + timeout + " (" + why + "): " + describe());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + name, e);
            }
            return process.exitValue();
        }

        /** Fails unless the peer reported nobody's credentials, without groups or capabilities. */
        void assertRanAsNobody() {
            assertThat(stderrLines()).as(describe()).contains(PermissionPeer.IDENTITY + UnprivilegedJvm.NOBODY_IDENTITY);
        }

        List<String> stdout() {
            return read(out);
        }

        List<String> stderrLines() {
            return read(err);
        }

        String stderr() {
            return String.join("\n", stderrLines());
        }

        private static List<String> read(Path file) {
            try {
                return Files.readAllLines(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The command, without the long classpath. */
        private String commandLine() {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < command.size(); i++) {
                boolean classPath = i > 0 && command.get(i - 1).equals("-cp");
                line.append(i == 0 ? "" : " ").append(classPath ? "<copied classpath>" : command.get(i));
            }
            return line.toString();
        }

        String describe() {
            String exit = process.isAlive() ? "running" : "exit " + process.exitValue();
            return name + " [" + exit + "] " + commandLine()
                    + "\n--- stdout:\n" + String.join("\n", stdout()) + "\n--- stderr:\n" + stderr();
        }
    }
}
