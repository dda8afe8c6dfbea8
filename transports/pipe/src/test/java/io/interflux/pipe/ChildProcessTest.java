package io.interflux.pipe;

import io.interflux.internal.Spi;
import io.interflux.Codec;
import io.interflux.FrameTooLargeException;
import io.interflux.Framing;
import io.interflux.IpcException;
import io.interflux.UnixSignal;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
@DisplayName("A child process")
class ChildProcessTest {

    static final Duration WAIT = Duration.ofSeconds(20);

    static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    /**
     * Opens, once per JVM, what the first spawn and the first failure open for good: the event
     * loop's epoll and eventfd, and the class-path jars of the classes they load (jnr stubs,
     * errno names). Descriptor counts taken after this see only what a test itself leaks.
     */
    static void warmUp() {
        Spi.poller(io.interflux.EventLoop.shared());
        ChildProcess.command("interflux-no-such-tool").start()
                .onErrorResume(IpcException.class, e -> Mono.empty()).block(WAIT);
        ChildProcess child = start(ChildProcess.command("true"));
        child.exit().block(WAIT);
        child.dispose();
        child.onDispose().block(WAIT);
    }

    /** Polls, for at most 10 seconds, until this JVM holds {@code expected} descriptors. */
    static void awaitDescriptors(long expected) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        long now = openDescriptors();
        while (now != expected && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            now = openDescriptors();
        }
        assertThat(now).as("open descriptors").isEqualTo(expected);
    }

    static ChildProcess start(ChildProcessSpec spec) {
        return spec.start().block(WAIT);
    }

    @Test
    @DisplayName("streams stdout lines only as they are requested, then its exit code")
    void stdoutLinesOnDemand() {
        ChildProcess child = start(ChildProcess.command("printf", "one\\ntwo\\nthree\\n"));
        try {
            StepVerifier.create(child.stdout(Framing.lines(), Codec.utf8()), 0)
                    .expectSubscription()
                    .expectNoEvent(Duration.ofMillis(50))
                    .thenRequest(1)
                    .expectNext("one")
                    .thenRequest(2)
                    .expectNext("two", "three")
                    .thenRequest(1)
                    .verifyComplete();
            StepVerifier.create(child.exit()).expectNext(0).verifyComplete();
        } finally {
            child.dispose();
        }
    }

    @Test
    @DisplayName("feeds stdin from a Publisher and reads the echo back in order")
    void stdinRoundTrip() {
        ChildProcess cat = start(ChildProcess.command("cat"));
        try {
            List<String> sent = IntStream.range(0, 10_000).mapToObj(i -> "line " + i).collect(Collectors.toList());
            Mono<Void> send = cat.sendAndClose(Flux.fromIterable(sent), Framing.lines(), Codec.utf8());
            StepVerifier.create(send.thenMany(Flux.<String>empty())
                            .mergeWith(cat.stdout(Framing.lines(), Codec.utf8()))
                            .collectList())
                    .assertNext(got -> assertThat(got).containsExactlyElementsOf(sent))
                    .verifyComplete();
            StepVerifier.create(cat.exit()).expectNext(0).verifyComplete();
        } finally {
            cat.dispose();
        }
    }

    @Test
    @DisplayName("length-prefixed frames survive a round trip byte for byte")
    void lengthPrefixedRoundTrip() {
        ChildProcess cat = start(ChildProcess.command("cat"));
        try {
            List<byte[]> frames = IntStream.range(0, 2_000)
                    .mapToObj(i -> ("frame-" + i + "-" + "x".repeat(i % 300)).getBytes(StandardCharsets.UTF_8))
                    .collect(Collectors.toList());
            Mono<Void> send = cat.send(Flux.fromIterable(frames), Framing.lengthPrefixed(1024)).then(cat.closeStdin());
            StepVerifier.create(send.thenMany(Flux.<byte[]>empty())
                            .mergeWith(cat.stdout(Framing.lengthPrefixed(1024)))
                            .map(b -> new String(b, StandardCharsets.UTF_8))
                            .collectList())
                    .assertNext(got -> assertThat(got).containsExactlyElementsOf(
                            frames.stream().map(b -> new String(b, StandardCharsets.UTF_8)).collect(Collectors.toList())))
                    .verifyComplete();
        } finally {
            cat.dispose();
        }
    }

    @Test
    @DisplayName("an executable that does not exist fails with its name and leaks no descriptor")
    void missingExecutable() throws IOException {
        warmUp();
        long before = openDescriptors();
        StepVerifier.create(ChildProcess.command("interflux-no-such-tool", "--flag").start())
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(IpcException.class)
                        .hasMessageContaining("interflux-no-such-tool")
                        .hasMessageContaining("ENOENT")
                        .satisfies(x -> assertThat(((IpcException) x).errnoName()).isEqualTo("ENOENT")))
                .verify(WAIT);
        awaitDescriptors(before);
    }

    @Test
    @DisplayName("writing to a child that has exited fails the send with EPIPE and the JVM lives on")
    void writeToExitedChild() {
        ChildProcess child = start(ChildProcess.command("true"));
        try {
            StepVerifier.create(child.exit()).expectNext(0).verifyComplete();
            byte[] chunk = new byte[64 * 1024];
            StepVerifier.create(child.send(Flux.range(0, 64).map(i -> chunk)))
                    .expectErrorSatisfies(e -> assertThat(e)
                            .isInstanceOf(IpcException.class)
                            .hasMessageContaining("EPIPE")
                            .hasMessageContaining("stdin of true"))
                    .verify(WAIT);
        } finally {
            child.dispose();
        }
        assertThat(ProcessHandle.current().isAlive()).isTrue();
    }

    @Test
    @DisplayName("a line longer than the framing allows fails the stream naming the limit")
    void oversizeLine() {
        ChildProcess child = start(ChildProcess.command("sh", "-c", "printf 'ok\\n'; head -c 5000 /dev/zero | tr '\\0' a; echo"));
        try {
            StepVerifier.create(child.stdout(Framing.lines(1000), Codec.utf8()))
                    .expectNext("ok")
                    .expectErrorSatisfies(e -> assertThat(e)
                            .isInstanceOf(FrameTooLargeException.class)
                            .hasMessageContaining("limit=1000")
                            .hasMessageContaining("on stdout of sh [pid " + child.pid() + "]"))
                    .verify(WAIT);
        } finally {
            child.dispose();
        }
    }

    @Test
    @DisplayName("reports exit codes, and 128 + signal when a signal ends the child")
    void exitCodesAndSignals() {
        ChildProcess three = start(ChildProcess.command("sh", "-c", "exit 3").stdout(Stdio.discard()).stderr(Stdio.discard()));
        ChildProcess sleeper = start(ChildProcess.command("sleep", "30").stdout(Stdio.discard()).stderr(Stdio.discard()));
        try {
            StepVerifier.create(three.exit()).expectNext(3).verifyComplete();
            StepVerifier.create(sleeper.signal(UnixSignal.SIGTERM).then(sleeper.exit()))
                    .expectNext(128 + 15)
                    .verifyComplete();
            StepVerifier.create(sleeper.signal(UnixSignal.SIGTERM))
                    .expectErrorSatisfies(e -> assertThat(e).hasMessageContaining("ESRCH"))
                    .verify(WAIT);
        } finally {
            three.dispose();
            sleeper.dispose();
        }
    }

    @Test
    @DisplayName("passes environment variables and the working directory")
    void environmentAndDirectory(@TempDir Path dir) throws IOException {
        ChildProcess child = start(ChildProcess.command("sh", "-c", "echo \"$INTERFLUX_GREETING\"; pwd")
                .putEnvironment("INTERFLUX_GREETING", "hello")
                .directory(dir));
        try {
            StepVerifier.create(child.stdout(Framing.lines(), Codec.utf8()).collectList())
                    .expectNext(List.of("hello", dir.toRealPath().toString()))
                    .verifyComplete();
        } finally {
            child.dispose();
        }
    }

    @Test
    @DisplayName("dispose kills a running child, closes its pipes and completes onDispose")
    void disposeKills() throws IOException {
        warmUp();
        long before = openDescriptors();
        ChildProcess child = start(ChildProcess.command("sleep", "30"));
        child.dispose();
        StepVerifier.create(child.onDispose()).verifyComplete();
        StepVerifier.create(child.exit()).expectNext(128 + 9).verifyComplete();
        awaitDescriptors(before);
    }

    @Test
    @DisplayName("cancelling stdout closes the pipe, so the writing child ends with SIGPIPE")
    void cancelClosesPipe() {
        ChildProcess yes = start(ChildProcess.command("yes").stderr(Stdio.discard()));
        try {
            StepVerifier.create(yes.stdout(Framing.lines(), Codec.utf8()), 0)
                    .thenRequest(3)
                    .expectNext("y", "y", "y")
                    .thenCancel()
                    .verify(WAIT);
            StepVerifier.create(yes.exit()).expectNext(128 + 13).verifyComplete();
        } finally {
            yes.dispose();
        }
    }

    @Test
    @DisplayName("allows one stdout subscriber at a time")
    void singleSubscriber() {
        ChildProcess child = start(ChildProcess.command("sleep", "30"));
        try {
            child.stdout().subscribe();
            StepVerifier.create(child.stdout())
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("one subscriber"))
                    .verify(WAIT);
        } finally {
            child.dispose();
        }
    }

    @Test
    @DisplayName("by default a child writing 1 MiB to stderr never blocks; exit 3 fails succeeded() with the tail of its stderr")
    void stderrIsCapturedByDefault() {
        // 1 MiB of numbered lines to stderr, a last word, then a little stdout and exit 3
        ChildProcess noisy = start(ChildProcess.command("sh", "-c",
                "i=0; while [ $i -lt 16384 ]; do printf '%063d\\n' $i >&2; i=$((i+1)); done;"
                        + " echo 'fatal: the last word' >&2; echo done; exit 3"));
        try {
            StepVerifier.create(noisy.stdout(Framing.lines(), Codec.utf8()).concatWith(noisy.succeeded()))
                    .expectNext("done")
                    .expectErrorSatisfies(e -> {
                        assertThat(e).isInstanceOf(ChildExitException.class)
                                .hasMessageContaining("sh [pid " + noisy.pid() + "] exited with status 3")
                                .hasMessageContaining("the last " + Stdio.DEFAULT_CAPTURE_BYTES + " of 1048597 bytes")
                                .hasMessageEndingWith("fatal: the last word");
                        ChildExitException exit = (ChildExitException) e;
                        assertThat(exit.status()).isEqualTo(3);
                        assertThat(exit.stderrTail()).hasSize(Stdio.DEFAULT_CAPTURE_BYTES)
                                .endsWith("0000000000000000000000000000000000000000000000000000000016383\nfatal: the last word\n");
                    })
                    .verify(WAIT);
            assertThat(noisy.capturedStderr()).endsWith("fatal: the last word\n");
        } finally {
            noisy.dispose();
        }
    }

    @Test
    @DisplayName("succeeded() completes empty on exit 0, and says so when stderr was not captured")
    void succeededOnZeroAndUncaptured() {
        ChildProcess ok = start(ChildProcess.command("sh", "-c", "echo warn >&2; exit 0").stdout(Stdio.discard()));
        ChildProcess quiet = start(ChildProcess.command("sh", "-c", "exit 4").stdout(Stdio.discard()).stderr(Stdio.discard()));
        try {
            StepVerifier.create(ok.succeeded()).verifyComplete();
            StepVerifier.create(quiet.succeeded())
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(ChildExitException.class)
                            .hasMessageEndingWith("exited with status 4; its stderr was not captured (Stdio.discard())"))
                    .verify(WAIT);
        } finally {
            ok.dispose();
            quiet.dispose();
        }
    }

    @Test
    @DisplayName("a captured stderr cannot also be read; a piped one is read with demand")
    void capturedOrPiped() {
        ChildProcess captured = start(ChildProcess.command("true"));
        ChildProcess piped = start(ChildProcess.command("sh", "-c", "echo oops >&2").stdout(Stdio.discard())
                .stderr(Stdio.pipe()));
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(captured::stderr)
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("stderr(Stdio.pipe())");
            StepVerifier.create(piped.stderr(Framing.lines(), Codec.utf8())).expectNext("oops").verifyComplete();
        } finally {
            captured.dispose();
            piped.dispose();
        }
    }

    @Test
    @DisplayName("stdinEmitter: whole frames until the pipe is full, then FAIL_OVERFLOW with nothing written; FAIL_TERMINATED once stdin is closed")
    void stdinEmitter() {
        ChildProcess idle = start(ChildProcess.command("sleep", "30").stdout(Stdio.discard())); // never reads stdin
        ChildProcess cat = start(ChildProcess.command("cat"));
        try {
            io.interflux.Emitter<String> full = idle.stdinEmitter(Framing.lines(), Codec.utf8());
            String line = "x".repeat(63); // 64 bytes with its newline
            int ok = 0;
            while (ok < (1 << 20) && full.tryEmitNext(line) == reactor.core.publisher.Sinks.EmitResult.OK) {
                ok++;
            }
            // 64 KiB of 64-byte lines on 4 KiB pages; more where the pipe is larger
            assertThat(ok).as("frames that fit the pipe").isGreaterThanOrEqualTo(64 * 1024 / 64).isLessThan(1 << 20);
            assertThat(full.tryEmitNext(line)).isEqualTo(reactor.core.publisher.Sinks.EmitResult.FAIL_OVERFLOW);

            io.interflux.Emitter<String> echo = cat.stdinEmitter(Framing.lines(), Codec.utf8());
            assertThat(echo.tryEmitNext("one")).isEqualTo(reactor.core.publisher.Sinks.EmitResult.OK);
            echo.emitNext("two", reactor.core.publisher.Sinks.EmitFailureHandler.busyLooping(WAIT));
            cat.closeStdin().block(WAIT);
            assertThat(echo.tryEmitNext("three")).isEqualTo(reactor.core.publisher.Sinks.EmitResult.FAIL_TERMINATED);
            StepVerifier.create(cat.stdout(Framing.lines(), Codec.utf8())).expectNext("one", "two").verifyComplete();
        } finally {
            idle.dispose();
            cat.dispose();
        }
    }
}
