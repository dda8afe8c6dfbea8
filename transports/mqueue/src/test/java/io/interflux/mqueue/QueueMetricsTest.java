package io.interflux.mqueue;

import io.interflux.mqueue.internal.QueueCalls;
import io.interflux.testkit.CountingRecorder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(30)
@DisplayName("Queue metrics")
class QueueMetricsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<Disposable> opened = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final List<Integer> ids = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        opened.forEach(Disposable::dispose);
        names.forEach(QueueNames::unlink);
        ids.forEach(id -> QueueCalls.lib().msgctl(id, QueueCalls.IPC_RMID, 0));
    }

    /**
     * Sends {@code count} messages into a queue nobody reads yet, so the send fills it and waits,
     * then asks for them all; completes once every message arrived and the send completed.
     */
    private static <M> void fillThenDrain(Flux<M> receive, Mono<Void> send, int count) {
        AtomicBoolean sent = new AtomicBoolean();
        StepVerifier.create(receive, 0)
                .then(() -> send.subscribe(null, e -> { }, () -> sent.set(true)))
                .then(() -> assertThat(sent).as("the send waits on the full queue").isFalse())
                .thenRequest(count)
                .expectNextCount(count)
                .thenCancel()
                .verify(WAIT);
        for (long deadline = System.nanoTime() + WAIT.toNanos(); !sent.get() && System.nanoTime() < deadline; ) {
            Thread.onSpinWait(); // the last message is in; the send's completion is on its way
        }
        assertThat(sent).as("the send completed").isTrue();
    }

    /**
     * Waits, boundedly, for the receive's count to reach {@code count}: counts are reported once
     * per drain pass, and the pass that delivered the last message may still be running on the
     * loop when the subscriber, having cancelled, returns.
     */
    private static void received(CountingRecorder metrics, long count) {
        for (long deadline = System.nanoTime() + WAIT.toNanos(); metrics.messagesReceived() < count
                && System.nanoTime() < deadline; ) {
            Thread.onSpinWait();
        }
    }

    @Test
    @DisplayName("a POSIX queue reports messages, bytes, the time without demand, the send's waits on the full queue and its opening")
    void posix() {
        CountingRecorder metrics = new CountingRecorder();
        String name = QueueNames.unique("metrics");
        names.add(name);
        int slots = QueueNames.messages(10);
        PosixQueue q = PosixQueue.named(name).maxMessages(slots).maxMessageSize(64).metrics(metrics).openNow(WAIT);
        opened.add(q);
        assertThat(metrics.open()).isEqualTo(1);

        int count = 3 * slots;
        fillThenDrain(q.receive(), q.send(Flux.range(0, count).map(i -> PosixMessage.of(new byte[8]))), count);

        received(metrics, count);
        assertThat(metrics.messagesSent()).isEqualTo(count);
        assertThat(metrics.bytesSent()).isEqualTo(8L * count);
        assertThat(metrics.messagesReceived()).isEqualTo(count);
        assertThat(metrics.bytesReceived()).isEqualTo(8L * count);
        assertThat(metrics.sendStalls()).as(metrics.toString()).isGreaterThanOrEqualTo(1);
        assertThat(metrics.noDemandPeriods()).as(metrics.toString()).isGreaterThanOrEqualTo(1);
        assertThat(metrics.noDemandNanos()).isPositive();

        q.dispose();
        q.onDispose().block(WAIT);
        assertThat(metrics.open()).isZero();
    }

    @Test
    @DisplayName("a System V queue reports the same, and its emitter counts what it put in")
    void systemV() {
        CountingRecorder metrics = new CountingRecorder();
        SysVQueue q = SysVQueue.privateQueue().metrics(metrics).openNow(WAIT);
        opened.add(q);
        ids.add(q.id());
        assertThat(metrics.open()).isEqualTo(1);

        int size = 1024;
        int count = (int) (2 * q.capacityBytes() / size) + 4;
        fillThenDrain(q.receive(0), q.send(Flux.range(0, count).map(i -> SysVMessage.of(new byte[size], 1))), count);
        received(metrics, count);
        assertThat(metrics.messagesSent()).isEqualTo(count);
        assertThat(metrics.bytesSent()).isEqualTo((long) size * count);
        assertThat(metrics.messagesReceived()).isEqualTo(count);
        assertThat(metrics.bytesReceived()).isEqualTo((long) size * count);
        assertThat(metrics.sendStalls()).as(metrics.toString()).isGreaterThanOrEqualTo(1);
        assertThat(metrics.noDemandPeriods()).isGreaterThanOrEqualTo(1);

        assertThat(q.emitter().tryEmitNext(SysVMessage.of(new byte[size], 1))).isEqualTo(reactor.core.publisher.Sinks.EmitResult.OK);
        assertThat(metrics.messagesSent()).isEqualTo(count + 1L);

        q.dispose();
        q.onDispose().block(WAIT);
        assertThat(metrics.open()).isZero();
    }
}
