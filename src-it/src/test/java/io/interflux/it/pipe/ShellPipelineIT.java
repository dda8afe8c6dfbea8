package io.interflux.it.pipe;

import io.interflux.it.support.OsResources;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.ChildProcessSpec;
import io.interflux.pipe.ProcessPipeline;
import io.interflux.pipe.Stdio;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ls | grep python} in a directory the test prepares, compared byte for byte with what
 * {@code sh -c 'ls | grep python'} prints there, for both ways Interflux builds the pipeline.
 */
@Timeout(60)
@DisplayName("ls | grep python")
class ShellPipelineIT {

    static final Duration WAIT = Duration.ofSeconds(20);

    /** What grep keeps of the prepared directory under LC_ALL=C (byte order; '-' sorts before '3'). */
    static final String EXPECTED = "cpython\npython-notes.txt\npython3\n";

    @RegisterExtension
    final OsResources os = new OsResources();

    @TempDir
    Path dir;

    byte[] shell;

    @BeforeEach
    void prepareDirectory() throws IOException {
        for (String file : List.of("python3", "python-notes.txt", "java", "notes.md", "Python.h", "README")) {
            Files.writeString(dir.resolve(file), file + "\n");
        }
        Files.createDirectory(dir.resolve("cpython"));

        ChildProcess sh = os.track(inDir("sh", "-c", "ls | grep python").stdin(Stdio.discard()).start().block(WAIT));
        shell = bytes(sh.stdout()).block(WAIT);
        StepVerifier.create(sh.exit()).expectNext(0).expectComplete().verify(WAIT);
        // guards the comparisons below against agreeing on nothing
        assertThat(new String(shell, StandardCharsets.UTF_8)).as("sh -c 'ls | grep python'").isEqualTo(EXPECTED);
    }

    /** A command run in the prepared directory with a fixed collation, stderr discarded. */
    ChildProcessSpec inDir(String... argv) {
        return ChildProcess.command(argv).directory(dir).putEnvironment("LC_ALL", "C").stderr(Stdio.discard());
    }

    static Mono<byte[]> bytes(Flux<byte[]> chunks) {
        return chunks.collect(ByteArrayOutputStream::new, (out, c) -> out.write(c, 0, c.length))
                .map(ByteArrayOutputStream::toByteArray);
    }

    @Test
    @DisplayName("joined by a kernel pipe between the two children prints what the shell prints, byte for byte")
    void kernelPipe() {
        ProcessPipeline pipeline = os.track(ProcessPipeline.start(
                inDir("ls").stdin(Stdio.discard()),
                inDir("grep", "python")).block(WAIT));

        byte[] out = bytes(pipeline.last().stdout()).block(WAIT);

        assertThat(out).isEqualTo(shell);
        StepVerifier.create(pipeline.exits()).expectNext(List.of(0, 0)).expectComplete().verify(WAIT);
    }

    @Test
    @DisplayName("with this JVM in between (ls stdout -> Reactor operator -> grep stdin) prints what the shell prints, byte for byte")
    void throughTheJvm() {
        ChildProcess ls = os.track(inDir("ls").stdin(Stdio.discard()).start().block(WAIT));
        ChildProcess grep = os.track(inDir("grep", "python").start().block(WAIT));
        AtomicLong relayed = new AtomicLong();

        Mono<Void> relay = grep.send(ls.stdout().doOnNext(chunk -> relayed.addAndGet(chunk.length)))
                .then(grep.closeStdin());
        byte[] out = Mono.zip(relay.thenReturn(true), bytes(grep.stdout()), (r, b) -> b).block(WAIT);

        assertThat(out).isEqualTo(shell);
        // every byte of ls went through this JVM, not only the lines grep kept
        long listing = "Python.h\nREADME\ncpython\njava\nnotes.md\npython-notes.txt\npython3\n".length();
        assertThat(relayed.get()).as("bytes relayed from ls to grep").isEqualTo(listing);
        StepVerifier.create(ls.exit()).expectNext(0).expectComplete().verify(WAIT);
        StepVerifier.create(grep.exit()).expectNext(0).expectComplete().verify(WAIT);
    }
}
