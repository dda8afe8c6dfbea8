package io.interflux.it.fifo;

import io.interflux.testkit.OpenDescriptors;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.UnixSignal;
import io.interflux.fifo.Fifo;
import io.interflux.fifo.FifoReader;
import io.interflux.fifo.FifoSpec;
import io.interflux.testkit.ChildJvm;
import io.interflux.it.support.OsResources;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.Stdio;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** FIFOs between this JVM and child JVMs that use Interflux on their side. */
@Timeout(90)
@DisplayName("A FIFO between JVMs")
class FifoChildJvmIT {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final int PAD = 1000;

    @RegisterExtension
    final OsResources os = new OsResources();

    @TempDir
    Path dir;

    private FifoSpec<String> spec(Path p) {
        return Fifo.at(p).codec(Codec.utf8()).framing(Framing.lines(Fifo.PIPE_BUF - 1)).removeOnDispose(true);
    }

    private ChildProcess peer(String... args) {
        return os.track(ChildJvm.of(FifoPeer.class, args).as(ChildProcess::command).stdin(Stdio.discard()).stderr(Stdio.INHERIT)
                .start().block(WAIT));
    }

    /** Checks each frame is whole and each writer's frames come in order; returns frames per writer. */
    private static int[] checkFrames(List<String> frames, int writers) {
        int[] next = new int[writers];
        String pad = "x".repeat(PAD);
        for (String f : frames) {
            String[] parts = f.split(":", -1);
            assertThat(parts).as("a whole frame, not a torn or interleaved one: %s", f.length() > 80 ? f.substring(0, 80) + "..." : f)
                    .hasSize(3);
            assertThat(parts[2]).isEqualTo(pad);
            int w = Integer.parseInt(parts[0]);
            assertThat(Integer.parseInt(parts[1])).as("frame order of writer %d", w).isEqualTo(next[w]++);
        }
        return next;
    }

    @Test
    @DisplayName("a child JVM writes, this JVM reads, from zero demand to the end")
    void childWrites() throws Exception {
        Path p = dir.resolve("from-child");
        FifoReader<String> reader = os.track(spec(p).openReader().block(WAIT));
        peer("write", p.toString(), "0", "500", Integer.toString(PAD));
        List<String> got = new CopyOnWriteArrayList<>();
        StepVerifier.create(reader.receive().doOnNext(got::add), 0)
                .expectSubscription()
                .thenRequest(10)
                .expectNextCount(10)
                .thenRequest(Long.MAX_VALUE)
                .expectNextCount(490)
                .expectComplete()
                .verify(WAIT);
        assertThat(checkFrames(got, 1)).containsExactly(500);
        assertThat(Files.exists(p, LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(OpenDescriptors.pointingAt(p)).isZero();
    }

    @Test
    @DisplayName("this JVM writes, a child JVM reads and echoes to its stdout")
    void childReads() throws Exception {
        Path p = dir.resolve("to-child");
        ChildProcess child = peer("read", p.toString());
        // drained concurrently: the child echoes as it reads, and would stall on a full stdout pipe
        var echoing = child.stdout(Framing.lines(), Codec.utf8()).collectList().toFuture();
        // the writer waits until the child has created and opened the FIFO
        Fifo.at(p).codec(Codec.utf8()).send(Flux.range(0, 300).map(i -> "0:" + i + ":" + "x".repeat(PAD))).block(WAIT);
        List<String> echoed = echoing.get(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        assertThat(checkFrames(echoed, 1)).containsExactly(300);
        assertThat(child.exit().block(WAIT)).isZero();
    }

    @Test
    @DisplayName("three writer processes share one FIFO and no frame is ever torn or interleaved")
    void threeWriters() throws Exception {
        Path p = dir.resolve("shared");
        FifoReader<String> reader = os.track(spec(p).persistent(true).openReader().block(WAIT));
        int per = 3000;
        List<ChildProcess> writers = List.of(
                peer("write", p.toString(), "0", Integer.toString(per), Integer.toString(PAD)),
                peer("write", p.toString(), "1", Integer.toString(per), Integer.toString(PAD)),
                peer("write", p.toString(), "2", Integer.toString(per), Integer.toString(PAD)));
        List<String> got = reader.receive().take(3L * per).collectList().block(WAIT);
        assertThat(got).hasSize(3 * per);
        assertThat(checkFrames(got, 3)).containsExactly(per, per, per);
        for (ChildProcess w : writers) {
            assertThat(w.exit().block(WAIT)).isZero();
        }
        assertThat(Files.exists(p, LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    @DisplayName("a writer killed with SIGKILL mid-stream ends the reader cleanly, with whole frames only")
    void writerKilled() throws Exception {
        Path p = dir.resolve("killed");
        FifoReader<String> reader = os.track(spec(p).openReader().block(WAIT));
        ChildProcess writer = peer("endless", p.toString(), "0", Integer.toString(PAD));
        List<String> got = new CopyOnWriteArrayList<>();
        AtomicLong count = new AtomicLong();
        StepVerifier.create(reader.receive().doOnNext(got::add).doOnNext(f -> count.incrementAndGet()), 0)
                .expectSubscription()
                .thenRequest(Long.MAX_VALUE)
                .expectNextCount(1000)
                .then(() -> writer.signal(UnixSignal.SIGKILL).block(WAIT))
                .thenConsumeWhile(f -> true)
                .expectComplete()
                .verify(WAIT);
        assertThat(writer.exit().block(WAIT)).isEqualTo(128 + 9);
        assertThat(checkFrames(got, 1)[0]).isGreaterThanOrEqualTo(1000);
        assertThat(OpenDescriptors.pointingAt(p)).isZero();
        assertThat(Files.exists(p, LinkOption.NOFOLLOW_LINKS)).isFalse();
    }
}
