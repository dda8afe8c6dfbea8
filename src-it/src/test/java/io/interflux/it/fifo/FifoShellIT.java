package io.interflux.it.fifo;

import io.interflux.Creation;
import io.interflux.testkit.OpenDescriptors;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.fifo.Fifo;
import io.interflux.fifo.FifoReader;
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

import static org.assertj.core.api.Assertions.assertThat;

/** The seeds' {@code mkfifo p; cat p & echo "Hello IPC" > p}, with Interflux on either side. */
@Timeout(60)
@DisplayName("A FIFO shared with shell tools")
class FifoShellIT {

    static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    final OsResources os = new OsResources();

    @TempDir
    Path dir;

    private void mkfifo(Path p) throws Exception {
        ChildProcess mk = os.track(ChildProcess.command("mkfifo", p.toString())
                .stdin(Stdio.discard()).stdout(Stdio.discard()).start().block(WAIT));
        assertThat(mk.exit().block(WAIT)).as("mkfifo exit status").isZero();
    }

    @Test
    @DisplayName("Interflux reads what echo writes into a FIFO made by mkfifo, then ends like cat")
    void interfluxReadsEcho() throws Exception {
        Path p = dir.resolve("mypipe");
        mkfifo(p);
        FifoReader<String> reader = os.track(Fifo.at(p).creation(Creation.OPEN_EXISTING).codec(Codec.utf8()).openReader().block(WAIT));
        StepVerifier.create(reader.receive(), 0)
                .expectSubscription()
                .then(() -> os.track(ChildProcess.command("sh", "-c", "echo \"Hello IPC\" > \"$0\"", p.toString())
                        .stdin(Stdio.discard()).stdout(Stdio.discard()).start().block(WAIT)))
                .thenRequest(1)
                .expectNext("Hello IPC")
                .thenRequest(1)
                .expectComplete()
                .verify(WAIT);
        assertThat(Files.exists(p, LinkOption.NOFOLLOW_LINKS)).as("made by mkfifo, so left alone").isTrue();
    }

    @Test
    @DisplayName("cat reads what Interflux writes, whether cat opens the FIFO before or after the writer")
    void catReadsInterflux() throws Exception {
        for (boolean catFirst : new boolean[] {true, false}) {
            Path p = dir.resolve("mypipe-" + catFirst);
            mkfifo(p);
            var send = Fifo.at(p).codec(Codec.utf8()).send(Flux.just("Hello IPC"));
            ChildProcess cat;
            if (catFirst) {
                cat = os.track(ChildProcess.command("cat", p.toString()).stdin(Stdio.discard()).start().block(WAIT));
                send.block(WAIT);
            } else {
                var sending = send.toFuture(); // waits for a reader, which cat becomes while blocked in open(2)
                cat = os.track(ChildProcess.command("cat", p.toString()).stdin(Stdio.discard()).start().block(WAIT));
                sending.get(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            }
            StepVerifier.create(cat.stdout(Framing.lines(), Codec.utf8()))
                    .expectNext("Hello IPC")
                    .expectComplete()
                    .verify(WAIT);
            assertThat(cat.exit().block(WAIT)).isZero();
        }
    }

    @Test
    @DisplayName("a FIFO Interflux created with removeOnDispose is gone afterwards, with no descriptor left on it")
    void noLeftovers() throws Exception {
        Path p = dir.resolve("temporary");
        var spec = Fifo.at(p).codec(Codec.utf8()).removeOnDispose(true);
        StepVerifier.create(spec.receive(), 0)
                .expectSubscription()
                .then(() -> os.track(ChildProcess.command("sh", "-c", "printf 'a\\nb\\n' > \"$0\"", p.toString())
                        .stdin(Stdio.discard()).stdout(Stdio.discard()).start().block(WAIT)))
                .thenRequest(3)
                .expectNext("a", "b")
                .expectComplete()
                .verify(WAIT);
        assertThat(Files.exists(p, LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(OpenDescriptors.pointingAt(p)).isZero();
    }
}
