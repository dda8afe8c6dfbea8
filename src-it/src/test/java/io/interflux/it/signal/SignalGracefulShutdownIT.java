package io.interflux.it.signal;

import io.interflux.Codec;
import io.interflux.IpcException;
import io.interflux.UnixSignal;
import io.interflux.fifo.Fifo;
import io.interflux.testkit.ChildJvm;
import io.interflux.it.support.ChildLines;
import io.interflux.it.support.OsResources;
import io.interflux.Creation;
import io.interflux.mqueue.PosixQueue;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.Stdio;
import io.interflux.signal.Signals;
import jnr.ffi.LibraryLoader;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The graceful-shutdown example ({@code io.interflux.examples.GracefulShutdownExample}) run as a
 * child JVM: SIGTERM stops its FIFO-to-queue pipeline, it removes both objects and exits 0.
 */
@Timeout(60)
@DisplayName("The graceful shutdown example, sent SIGTERM")
class SignalGracefulShutdownIT {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final String EXAMPLE = "io.interflux.examples.GracefulShutdownExample";

    /** {@code mq_unlink(3)}, to clean up after a failed run. */
    public interface QueueUnlink {
        int mq_unlink(String name);
    }

    @RegisterExtension
    final OsResources os = new OsResources();

    /**
     * The example's classes: the examples module's build output, else its jar in the local Maven
     * repository (src-it does not depend on the examples module).
     */
    static String examplesClassPath() {
        String relative = EXAMPLE.replace('.', '/') + ".class";
        Path classes = Path.of("..", "examples", "target", "classes").toAbsolutePath().normalize();
        if (Files.exists(classes.resolve(relative))) {
            return classes.toString();
        }
        Path repo = Path.of(System.getProperty("maven.repo.local",
                Path.of(System.getProperty("user.home"), ".m2", "repository").toString()));
        Path jar = repo.resolve("io/interflux/interflux-examples/0.1.0-SNAPSHOT/interflux-examples-0.1.0-SNAPSHOT.jar");
        assertThat(jar).as("the examples module is built (mvn -pl examples install) so its example can run").exists();
        return jar.toString();
    }

    @Test
    @DisplayName("stops its pipeline, removes the FIFO file and the queue, and exits 0")
    void sigtermClosesFifoAndQueue(@TempDir Path dir) throws InterruptedException {
        String queue = "/interflux-it-shutdown-" + ProcessHandle.current().pid();
        Path fifo = dir.resolve("inbox");
        os.onRelease("unlink " + queue, () -> LibraryLoader.create(QueueUnlink.class).load("rt").mq_unlink(queue));

        List<String> command = new ArrayList<>(ChildJvm.of(EXAMPLE, dir.toString(), queue).command());
        int cp = command.indexOf("-cp") + 1;
        command.set(cp, command.get(cp) + java.io.File.pathSeparator + examplesClassPath());
        ChildProcess example = os.track(ChildProcess.command(command).stderr(Stdio.inherit()).start().block(WAIT));
        ChildLines lines = os.track(new ChildLines(example));
        assertThat(lines.next(WAIT)).isEqualTo("ready " + fifo + " " + queue);
        assertThat(fifo).exists();

        // a line through the FIFO comes out of the queue
        Fifo.at(fifo).codec(Codec.utf8()).creation(Creation.OPEN_EXISTING).send(Flux.just("hello")).block(WAIT);
        assertThat(lines.next(WAIT)).isEqualTo("forwarded hello");
        PosixQueue reader = os.track(PosixQueue.named(queue).creation(Creation.OPEN_EXISTING).open().block(WAIT));
        assertThat(reader.receive(Codec.utf8()).next().block(WAIT)).isEqualTo("hello");
        reader.dispose();
        reader.onDispose().block(WAIT);

        // its shutdown() was subscribed before "ready": SIGTERM reaches its handler, not the JVM's
        Signals.send(example.pid(), UnixSignal.SIGTERM).block(WAIT);
        assertThat(lines.next(WAIT)).isEqualTo("shutdown on SIGTERM");
        assertThat(lines.next(WAIT)).isEqualTo("closed " + fifo + " " + queue);
        assertThat(example.exit().block(WAIT)).isZero();

        assertThat(fifo).doesNotExist();
        Throwable reopen = PosixQueue.named(queue).creation(Creation.OPEN_EXISTING).open()
                .map(q -> {
                    q.dispose();
                    return (Throwable) new AssertionError("the queue " + queue + " is still there");
                })
                .onErrorResume(e -> reactor.core.publisher.Mono.just(e))
                .block(WAIT);
        assertThat(reopen).isInstanceOf(IpcException.class);
        assertThat(((IpcException) reopen).errnoName()).isEqualTo("ENOENT");
    }
}
