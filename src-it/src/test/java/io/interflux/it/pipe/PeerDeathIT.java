package io.interflux.it.pipe;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.IpcException;
import io.interflux.testkit.ChildJvm;
import io.interflux.it.support.Eventually;
import io.interflux.it.support.OsResources;
import io.interflux.it.support.ProcessProbe;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.Stdio;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A child JVM killed with {@code SIGKILL} by another process ({@code kill -KILL <pid>}, not
 * through Interflux) in the middle of a stream: whatever was in the pipe is delivered, then the
 * stream ends; nothing hangs and this JVM is never signalled.
 */
@Timeout(60)
@DisplayName("A child JVM killed with SIGKILL mid-stream")
class PeerDeathIT {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final int KILLED = 128 + 9;

    @RegisterExtension
    final OsResources os = new OsResources();

    /** {@code kill -KILL <pid>} run as a separate process, as an operator or the OOM killer would. */
    void killFromOutside(long pid) {
        ChildProcess kill = os.track(ChildProcess.command("kill", "-KILL", Long.toString(pid))
                .stdin(Stdio.discard()).stdout(Stdio.discard()).stderr(Stdio.discard())
                .start().block(WAIT));
        assertThat(kill.exit().block(WAIT)).as("kill exit status").isZero();
    }

    static boolean awaitUninterruptibly(CountDownLatch latch) {
        try {
            return latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static void isEpipe(Throwable e) {
        assertThat(e).isInstanceOf(IpcException.class).hasMessageContaining("EPIPE");
        assertThat(((IpcException) e).errnoName()).isEqualTo("EPIPE");
    }

    @Test
    @DisplayName("while it is blocked on a full stdout pipe: the pipe's contents arrive, then the stream completes and exit() says 137")
    void killedWhileWriting() {
        ChildProcess ticker = os.track(ChildJvm.of(EndlessTicker.class).as(ChildProcess::command).stderr(Stdio.discard()).start().block(WAIT));
        ProcessProbe probe = ProcessProbe.of(ticker.pid());
        AtomicLong next = new AtomicLong(100);

        StepVerifier.create(ticker.stdout(Framing.lines(), Codec.utf8()), 0)
                .thenRequest(100)
                .expectNextSequence(IntStream.range(0, 100).mapToObj(n -> "tick " + n).collect(Collectors.toList()))
                // no demand: the ticker fills the pipe and waits for this JVM
                .then(() -> Eventually.holds(WAIT, () -> "ticker blocked in a pipe write: " + probe,
                        () -> probe.isBlockedIn("pipe")))
                .then(() -> killFromOutside(ticker.pid()))
                .thenRequest(Long.MAX_VALUE)
                // the rest in order; the very last line may be cut short by the kill
                .thenConsumeWhile(line -> ("tick " + next.getAndIncrement()).startsWith(line))
                .expectComplete()
                .verify(WAIT);

        StepVerifier.create(ticker.exit()).expectNext(KILLED).expectComplete().verify(WAIT);
        // its stdin went with it: a send now fails with EPIPE instead of signalling this JVM
        StepVerifier.create(ticker.send(Mono.just("late".getBytes(StandardCharsets.US_ASCII))))
                .expectErrorSatisfies(PeerDeathIT::isEpipe)
                .verify(WAIT);
    }

    @Test
    @DisplayName("while this JVM streams into its stdin: the send fails with EPIPE, never hangs, and exit() says 137")
    void killedWhileReading() {
        ChildProcess worker = os.track(ChildJvm.of(TaskWorker.class).as(ChildProcess::command).stderr(Stdio.discard()).start().block(WAIT));
        Flux<String> endless = Flux.range(0, Integer.MAX_VALUE).map(n -> "task_" + n);
        // the worker's answers show how far it has read; the 1,000th means it is in mid-stream
        CountDownLatch midStream = new CountDownLatch(1);
        worker.stdout(Framing.lines(), Codec.utf8())
                .subscribe(answer -> {
                    if (answer.equals("got task_1000")) {
                        midStream.countDown();
                    }
                }, e -> { });

        StepVerifier.create(worker.send(endless, Framing.lines(), Codec.utf8()))
                .expectSubscription()
                .then(() -> assertThat(awaitUninterruptibly(midStream)).as("1,000 tasks answered").isTrue())
                .then(() -> killFromOutside(worker.pid()))
                .expectErrorSatisfies(PeerDeathIT::isEpipe)
                .verify(WAIT);

        StepVerifier.create(worker.exit()).expectNext(KILLED).expectComplete().verify(WAIT);
    }
}
