package io.interflux.it.rpc;

import io.interflux.testkit.ChildJvm;
import io.interflux.it.support.Eventually;
import io.interflux.it.support.OsResources;
import io.interflux.pipe.ChildProcess;
import io.interflux.rpc.Payload;
import io.interflux.rpc.PipeRpc;
import io.interflux.rpc.Rpc;
import io.interflux.rpc.RpcConnection;
import io.interflux.rpc.RpcSpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.subscriber.TestSubscriber;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The subscriber's demand in this JVM governs a producer in a child JVM ({@link RpcWorker}'s
 * endless {@value RpcWorker#NUMBERS} stream), across the child's stdin and stdout: each request
 * travels as request-n, a cancel as CANCEL, and the child itself reports (route
 * {@value RpcWorker#REPORT}) what its producer was asked for and made.
 *
 * <p>The bound: Interflux's responder takes from a handler's publisher at most
 * {@code min(remote credit, window)} payloads ahead of the pipe (the window is 32 by default).
 * The credit is what this side's subscriber requested, so with 10 requested the producer makes
 * exactly 10, whatever the window.
 */
@Timeout(60)
@DisplayName("Demand across a child JVM's stdin/stdout pipes")
class RpcChildDemandIT {

    static final Duration WAIT = Duration.ofSeconds(20);
    /** How long a quiet stream is watched for items nobody asked for. */
    static final Duration QUIET = Duration.ofMillis(300);

    @RegisterExtension
    final OsResources os = new OsResources();

    ChildProcess child;
    RpcConnection worker;

    @BeforeEach
    void startWorker() {
        child = os.track(ChildJvm.of(RpcWorker.class).as(ChildProcess::command).start().block(WAIT));
        worker = os.track(Rpc.client().connectNow(PipeRpc.child(child), WAIT));
    }

    Flux<String> numbers(String key) {
        return worker.requestStream(RpcWorker.NUMBERS, Payload.of(key)).map(Payload::dataUtf8);
    }

    /** The child's report on {@code key}; on the test's thread only, which may block. */
    StreamReport report(String key) {
        return StreamReport.of(worker, key).block(WAIT);
    }

    /** Polls the child, bounded, until its producer of {@code key} says it was cancelled. */
    StreamReport awaitCancelled(String key) {
        StreamReport[] last = {null};
        Eventually.holds(WAIT, () -> "the child's producer of '" + key + "' cancelled; last report " + last[0],
                () -> (last[0] = report(key)).cancelled());
        return last[0];
    }

    @Test
    @DisplayName("with no demand nothing reaches the child; request(5) makes it produce exactly 5, request(3) exactly 3 more")
    void demandCrossesThePipe() {
        // a TestSubscriber rather than StepVerifier.create(flux, 0): the child is asked between the
        // requests, a blocking call made on this thread, where StepVerifier's tasks would run on
        // whichever thread signalled last, an Interflux loop thread that must not block
        TestSubscriber<String> subscriber = TestSubscriber.builder().initialRequest(0).build();
        numbers("demand").subscribe(subscriber);

        // the call itself waits for the first request: the child has not even seen it
        StepVerifier.create(Mono.delay(QUIET).then(StreamReport.of(worker, "demand")))
                .expectNext(StreamReport.NONE)
                .expectComplete()
                .verify(WAIT);
        assertThat(subscriber.getReceivedOnNext()).as("received without demand").isEmpty();

        subscriber.request(5);
        Eventually.holds(WAIT, () -> "5 items received: " + subscriber.getReceivedOnNext(),
                () -> subscriber.getReceivedOnNext().size() >= 5);
        StepVerifier.create(Mono.delay(QUIET).then(StreamReport.of(worker, "demand")))
                .assertNext(r -> {
                    assertThat(r.requested()).as("demand the child's producer received").isEqualTo(5);
                    assertThat(r.produced()).as("items the child produced").isEqualTo(5);
                })
                .expectComplete()
                .verify(WAIT);
        assertThat(subscriber.getReceivedOnNext()).containsExactly("1", "2", "3", "4", "5");

        subscriber.request(3);
        Eventually.holds(WAIT, () -> "8 items received: " + subscriber.getReceivedOnNext(),
                () -> subscriber.getReceivedOnNext().size() >= 8);
        StepVerifier.create(Mono.delay(QUIET).then(StreamReport.of(worker, "demand")))
                .assertNext(r -> assertThat(r.produced()).as("items the child produced").isEqualTo(8))
                .expectComplete()
                .verify(WAIT);
        assertThat(subscriber.getReceivedOnNext()).containsExactly("1", "2", "3", "4", "5", "6", "7", "8");
        assertThat(subscriber.isTerminatedOrCancelled()).isFalse();
        subscriber.cancel();
        assertThat(awaitCancelled("demand").produced()).isEqualTo(8);
    }

    @Test
    @DisplayName("cancelling after request(10) stops the child's producer: it hears the cancel having produced exactly 10")
    void cancelAfterLimitedDemand() {
        StepVerifier.create(numbers("cancel"), 0)
                .expectSubscription()
                .thenRequest(10)
                .expectNext("1", "2", "3", "4", "5", "6", "7", "8", "9", "10")
                .thenCancel()
                .verify(WAIT);

        StreamReport r = awaitCancelled("cancel");
        assertThat(r.requested()).as("demand the child's producer received").isEqualTo(10);
        assertThat(r.produced()).as("items the child produced").isEqualTo(10);
        assertThat(r.producedAtCancel()).as("items produced when the cancel arrived").isEqualTo(10);
    }

    @Test
    @DisplayName("cancelling an unbounded stream mid-flight stops the child's endless producer, which was never asked for more"
            + " than a window ahead: it hears the cancel and makes no more")
    void cancelUnboundedStream() {
        StepVerifier.create(numbers("unbounded"))
                .expectNextCount(1_000)
                .thenCancel()
                .verify(WAIT);

        StreamReport atCancel = awaitCancelled("unbounded");
        // unbounded credit, yet the producer is asked for at most a window ahead of what it made
        assertThat(atCancel.requested() - atCancel.produced()).as("demand on the child's producer beyond what it made")
                .isBetween(0L, (long) RpcSpec.DEFAULT_WINDOW);
        assertThat(atCancel.produced()).as("items the child produced").isGreaterThanOrEqualTo(1_000)
                .isEqualTo(atCancel.producedAtCancel());
        StepVerifier.create(Mono.delay(QUIET).then(StreamReport.of(worker, "unbounded")))
                .assertNext(later -> assertThat(later.produced()).as("items produced %s after the cancel", QUIET)
                        .isEqualTo(atCancel.produced()))
                .expectComplete()
                .verify(WAIT);
    }
}
