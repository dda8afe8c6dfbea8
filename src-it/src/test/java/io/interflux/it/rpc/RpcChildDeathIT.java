package io.interflux.it.rpc;

import io.interflux.UnixSignal;
import io.interflux.testkit.ChildJvm;
import io.interflux.it.support.Eventually;
import io.interflux.it.support.OsResources;
import io.interflux.pipe.ChildProcess;
import io.interflux.rpc.Payload;
import io.interflux.rpc.PipeRpc;
import io.interflux.rpc.Rpc;
import io.interflux.rpc.RpcConnection;
import io.interflux.rpc.RpcException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A child JVM serving RPC ({@link RpcWorker}) killed with {@code SIGKILL} while calls into it are
 * outstanding: its stdout ends, and every call in flight fails at once with {@link RpcException}
 * instead of waiting for an answer that cannot come (the keepalive lifetime, 30 s by default, is
 * not what ends them).
 */
@Timeout(60)
@DisplayName("A child JVM serving RPC over its pipes, killed with SIGKILL")
class RpcChildDeathIT {

    static final Duration WAIT = Duration.ofSeconds(20);
    /** How soon after the kill the calls must have failed: far below the keepalive lifetime. */
    static final Duration PROMPTLY = Duration.ofSeconds(5);
    static final int KILLED = 128 + 9;

    @RegisterExtension
    final OsResources os = new OsResources();

    ChildProcess child;
    RpcConnection worker;

    @BeforeEach
    void startWorker() {
        child = os.track(ChildJvm.of(RpcWorker.class).as(ChildProcess::command).start().block(WAIT));
        worker = os.track(Rpc.client().connectNow(PipeRpc.child(child), WAIT));
    }

    /** The end of the connection: the peer's stdout ended (CLOSE), or a write to its stdin failed first (ERROR). */
    static Consumer<Throwable> connectionEnded() {
        return e -> {
            assertThat(e).isInstanceOf(RpcException.class);
            assertThat(((RpcException) e).code()).as("code of %s", e)
                    .isIn(RpcException.CONNECTION_CLOSE, RpcException.CONNECTION_ERROR);
        };
    }

    @Test
    @DisplayName("with a request/stream (3 requested, more to come) and an unanswered request/response in flight:"
            + " both fail with RpcException within 5 s, and a later call fails at once")
    void killedWithCallsInFlight() {
        StepVerifier stream = StepVerifier.create(worker.requestStream(RpcWorker.NUMBERS, Payload.of("stream"))
                        .map(Payload::dataUtf8), 3)
                .expectNext("1", "2", "3")
                .expectErrorSatisfies(connectionEnded())
                .verifyLater();
        StepVerifier hanging = StepVerifier.create(worker.requestResponse(RpcWorker.NEVER, Payload.of("hanging")))
                .expectErrorSatisfies(connectionEnded())
                .verifyLater();
        // both calls are in the child before it dies: the stream made its 3, the other handler runs
        Eventually.holds(WAIT, () -> "both calls in the child; stderr: " + child.capturedStderr(),
                () -> StreamReport.of(worker, "stream").block(WAIT).produced() == 3
                        && StreamReport.of(worker, "hanging").block(WAIT).opened());

        long killed = System.nanoTime();
        child.signal(UnixSignal.SIGKILL).block(WAIT);

        stream.verify(PROMPTLY);
        hanging.verify(PROMPTLY);
        assertThat(Duration.ofNanos(System.nanoTime() - killed)).as("from the kill to both failures").isLessThan(PROMPTLY);
        StepVerifier.create(worker.onDispose()).expectComplete().verify(PROMPTLY);
        StepVerifier.create(worker.requestResponse(RpcWorker.REPORT, Payload.of("stream")))
                .expectErrorSatisfies(connectionEnded())
                .verify(PROMPTLY);
        StepVerifier.create(child.exit()).expectNext(KILLED).expectComplete().verify(WAIT);
    }
}
