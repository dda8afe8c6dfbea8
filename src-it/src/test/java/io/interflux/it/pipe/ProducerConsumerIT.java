package io.interflux.it.pipe;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.testkit.ChildJvm;
import io.interflux.it.support.OsResources;
import io.interflux.pipe.ChildProcess;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The parent/child producer-consumer of Python's {@code multiprocessing.Pipe}, between this JVM
 * and a child JVM ({@link TaskWorker}) joined by the child's stdin and stdout pipes.
 */
@Timeout(60)
@DisplayName("A parent JVM and a child JVM over stdin/stdout pipes")
class ProducerConsumerIT {

    static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    final OsResources os = new OsResources();

    ChildProcess startWorker() {
        return os.track(ChildJvm.of(TaskWorker.class).as(ChildProcess::command).start().block(WAIT));
    }

    @Test
    @DisplayName("hands over task_1, task_2, task_3 one at a time, gets each answer back in order, and the child exits 0 after DONE")
    void lockStep() {
        ChildProcess worker = startWorker();
        Sinks.Many<String> tasks = Sinks.many().unicast().onBackpressureBuffer();
        Mono<Void> sent = worker.send(tasks.asFlux(), Framing.lines(), Codec.utf8()).cache();
        sent.subscribe(null, e -> { });

        // each task is sent only after the previous answer arrived: the child really answers
        // line by line, and nothing waits for the end of input
        StepVerifier.create(worker.stdout(Framing.lines(), Codec.utf8()), 0)
                .expectSubscription()
                .then(() -> tasks.tryEmitNext("task_1").orThrow())
                .thenRequest(1)
                .expectNext("got task_1")
                .then(() -> tasks.tryEmitNext("task_2").orThrow())
                .thenRequest(1)
                .expectNext("got task_2")
                .then(() -> tasks.tryEmitNext("task_3").orThrow())
                .thenRequest(1)
                .expectNext("got task_3")
                .then(() -> {
                    tasks.tryEmitNext("DONE").orThrow();
                    tasks.tryEmitComplete().orThrow();
                })
                .thenRequest(1)
                .expectComplete()
                .verify(WAIT);

        StepVerifier.create(sent).expectComplete().verify(WAIT);
        StepVerifier.create(worker.exit()).expectNext(0).expectComplete().verify(WAIT);
    }

    @Test
    @DisplayName("streams 20,000 tasks and their answers at the same time, in order and without loss")
    void burst() {
        ChildProcess worker = startWorker();
        List<String> tasks = IntStream.rangeClosed(1, 20_000).mapToObj(i -> "task_" + i).collect(Collectors.toList());
        // sending and reading run together: sending everything first would fill both pipes
        Mono<Void> sent = worker.send(Flux.fromIterable(tasks).concatWithValues("DONE"), Framing.lines(), Codec.utf8());
        Mono<List<String>> answers = worker.stdout(Framing.lines(), Codec.utf8()).collectList();

        List<String> got = Mono.zip(sent.thenReturn(true), answers, (s, a) -> a).block(WAIT);

        assertThat(got).hasSize(tasks.size());
        assertThat(got).isEqualTo(tasks.stream().map(t -> "got " + t).collect(Collectors.toList()));
        StepVerifier.create(worker.exit()).expectNext(0).expectComplete().verify(WAIT);
    }
}
