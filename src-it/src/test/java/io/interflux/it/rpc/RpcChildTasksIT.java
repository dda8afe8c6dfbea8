package io.interflux.it.rpc;

import io.interflux.testkit.ChildJvm;
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
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The producer/consumer of the seed as calls into a child JVM ({@link RpcWorker}) over its stdin
 * and stdout: this JVM is the producer, sending tasks through a channel; the child is the
 * consumer, answering each task until {@code DONE}. And many calls at once over the same pipes.
 */
@Timeout(60)
@DisplayName("RPC calls into a child JVM over its stdin/stdout pipes")
class RpcChildTasksIT {

    static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    final OsResources os = new OsResources();

    ChildProcess child;
    RpcConnection worker;

    @BeforeEach
    void startWorker() {
        child = os.track(ChildJvm.of(RpcWorker.class).as(ChildProcess::command).start().block(WAIT));
        worker = os.track(Rpc.client().connectNow(PipeRpc.child(child), WAIT));
    }

    @Test
    @DisplayName("the producer sends task_1 .. task_5 and DONE, the consumer answers each in order until DONE,"
            + " and closing the connection ends the child with status 0")
    void producerConsumer() {
        Flux<Payload> tasks = Flux.just("task_1", "task_2", "task_3", "task_4", "task_5", RpcWorker.DONE).map(Payload::of);

        StepVerifier.create(worker.requestChannel(RpcWorker.PROCESS, tasks).map(Payload::dataUtf8))
                .expectNext("processed task_1", "processed task_2", "processed task_3", "processed task_4", "processed task_5")
                .expectNext(RpcWorker.DONE)
                .expectComplete()
                .verify(WAIT);

        worker.dispose(); // closes the child's stdin: its server ends, and so does the child
        StepVerifier.create(child.exit())
                .assertNext(status -> assertThat(status).as("exit status; stderr: %s", child.capturedStderr()).isZero())
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    @DisplayName("1,000 tasks arrive and are answered in order and exactly once; after DONE the consumer takes no more"
            + " and the producer is cancelled, having made at most DONE's position + 2 windows of tasks")
    void consumerStopsAtDone() throws InterruptedException {
        int count = 1_000;
        AtomicLong made = new AtomicLong();
        CountDownLatch producerCancelled = new CountDownLatch(1);
        // an endless producer: DONE is the 1,001st task, and task_1002 onwards must never be processed
        Flux<Payload> tasks = Flux.range(1, Integer.MAX_VALUE)
                .map(i -> i == count + 1 ? RpcWorker.DONE : "task_" + i)
                .doOnNext(t -> made.incrementAndGet())
                .doOnCancel(producerCancelled::countDown)
                .map(Payload::of);
        List<String> expected = IntStream.rangeClosed(1, count).mapToObj(i -> "processed task_" + i).collect(Collectors.toList());

        StepVerifier.create(worker.requestChannel(RpcWorker.PROCESS, tasks).map(Payload::dataUtf8))
                .expectNextSequence(expected)
                .expectNext(RpcWorker.DONE)
                .expectComplete()
                .verify(WAIT);

        assertThat(producerCancelled.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("the producer was cancelled").isTrue();
        // the child grants at most a window of credit beyond what it answered, and this side takes
        // at most a window of payloads ahead of the pipe
        assertThat(made.get()).as("tasks made by the producer").isBetween(count + 1L, count + 1L + 2L * RpcSpec.DEFAULT_WINDOW);
    }

    @Test
    @DisplayName("1,000 concurrent request/response calls over the one connection are all outstanding in the child at once,"
            + " then all answered correctly")
    void thousandConcurrentCalls() {
        int calls = 1_000;
        // the child answers none before all 1,000 have arrived: flatMap must really keep them in flight together
        Flux<String> answers = Flux.range(1, calls)
                .flatMap(i -> worker.requestResponse(RpcWorker.SQUARE_TOGETHER, Payload.of(i + "/" + calls))
                        .map(p -> i + "^2=" + p.dataUtf8()), calls);

        StepVerifier.create(answers.collectList())
                .assertNext(got -> assertThat(got).as("answers").hasSize(calls)
                        .containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, calls)
                                .mapToObj(i -> i + "^2=" + (long) i * i).collect(Collectors.toList())))
                .expectComplete()
                .verify(WAIT);
    }
}
