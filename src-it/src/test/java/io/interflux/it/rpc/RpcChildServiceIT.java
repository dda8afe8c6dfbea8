package io.interflux.it.rpc;

import io.interflux.it.rpc.Calculator.Pair;
import io.interflux.testkit.ChildJvm;
import io.interflux.it.support.OsResources;
import io.interflux.pipe.ChildProcess;
import io.interflux.rpc.PipeRpc;
import io.interflux.rpc.Rpc;
import io.interflux.rpc.RpcCodec;
import io.interflux.rpc.RpcConnection;
import io.interflux.rpc.RpcException;
import io.interflux.rpc.RpcMethod;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A typed service ({@link Calculator}) implemented in a child JVM ({@link RpcWorker}) and called
 * through a proxy in this one, over the child's stdin and stdout, with arguments and results in
 * JSON; and the errors a caller gets when the two sides disagree on routes or types.
 */
@Timeout(60)
@DisplayName("A typed RPC service in a child JVM, over its stdin/stdout pipes")
class RpcChildServiceIT {

    static final Duration WAIT = Duration.ofSeconds(20);
    /** How long the child is watched for a fire-and-forget arriving twice. */
    static final Duration QUIET = Duration.ofMillis(300);

    /** A service the child does not serve: its route {@code Abacus.add} is unknown there. */
    interface Abacus {
        Mono<Integer> add(Pair p);
    }

    /** Calculator's routes with types the child's implementation does not use. */
    interface MistypedCalculator {
        /** Sends a JSON string where the child reads a {@link Pair}. */
        @RpcMethod(route = "Calculator.add")
        Mono<Integer> addText(String sum);

        /** Reads a {@link Pair} where the child answers numbers. */
        @RpcMethod(route = "Calculator.countTo")
        Flux<Pair> countToPairs(Integer n);
    }

    @RegisterExtension
    final OsResources os = new OsResources();

    ChildProcess child;
    RpcConnection worker;
    Calculator calculator;

    @BeforeEach
    void startWorker() {
        child = os.track(ChildJvm.of(RpcWorker.class).as(ChildProcess::command).start().block(WAIT));
        worker = os.track(Rpc.client().dataMimeType(RpcCodec.json().mimeType()).connectNow(PipeRpc.child(child), WAIT));
        calculator = worker.service(Calculator.class, RpcCodec.json());
    }

    static Consumer<Throwable> rpcError(int code, String... fragments) {
        return e -> {
            assertThat(e).isInstanceOf(RpcException.class);
            assertThat(((RpcException) e).code()).as("code of %s", e).isEqualTo(code);
            for (String f : fragments) {
                assertThat(e).hasMessageContaining(f);
            }
        };
    }

    @Test
    @DisplayName("answers a request/response with a record argument, a request/stream, a channel and a fire-and-forget as local calls would")
    void everyInteraction() {
        StepVerifier.create(calculator.add(new Pair(2, 3))).expectNext(5).expectComplete().verify(WAIT);
        StepVerifier.create(calculator.countTo(5)).expectNext(1, 2, 3, 4, 5).expectComplete().verify(WAIT);
        StepVerifier.create(calculator.upper(Flux.just("producer", "consumer", "done")))
                .expectNext("PRODUCER", "CONSUMER", "DONE")
                .expectComplete()
                .verify(WAIT);

        StepVerifier.create(calculator.note("task_1 handed over")).expectComplete().verify(WAIT);
        // fire-and-forget promises delivery to the transport, not an order against later calls: poll, bounded
        StepVerifier.create(calculator.notes().filter(n -> !n.isEmpty())
                        .repeatWhenEmpty(polls -> polls.delayElements(Duration.ofMillis(10)))
                        .timeout(WAIT))
                .assertNext(notes -> assertThat(notes).as("notes the child kept").containsExactly("task_1 handed over"))
                .expectComplete()
                .verify(WAIT);
        // and it arrived once: a while later there is still just the one
        StepVerifier.create(Mono.delay(QUIET).then(calculator.notes()))
                .assertNext(notes -> assertThat(notes).as("notes the child kept %s later", QUIET).containsExactly("task_1 handed over"))
                .expectComplete()
                .verify(WAIT);
        assertThat(calculator.toString()).startsWith("Calculator over ");
    }

    @Test
    @DisplayName("an exception of the child's implementation arrives as APPLICATION_ERROR with its message")
    void remoteException() {
        StepVerifier.create(calculator.divide(new Pair(1, 0)))
                .expectErrorSatisfies(rpcError(RpcException.APPLICATION_ERROR, "route 'Calculator.divide'", "/ by zero"))
                .verify(WAIT);
        StepVerifier.create(calculator.divide(new Pair(9, 3))).expectNext(3).expectComplete().verify(WAIT);
    }

    @Test
    @DisplayName("a method whose route the child does not serve fails as INVALID, naming the route and the routes there are")
    void unknownRoute() {
        Abacus abacus = worker.service(Abacus.class, RpcCodec.json());
        StepVerifier.create(abacus.add(new Pair(2, 3)))
                .expectErrorSatisfies(rpcError(RpcException.INVALID, "no route 'Abacus.add'", "Calculator.add", "Calculator.countTo"))
                .verify(WAIT);
        // the connection is still good
        StepVerifier.create(calculator.add(new Pair(20, 22))).expectNext(42).expectComplete().verify(WAIT);
    }

    @Test
    @DisplayName("an argument the child cannot decode fails as INVALID naming the route and the type it wanted")
    void undecodableArgument() {
        MistypedCalculator mistyped = worker.service(MistypedCalculator.class, RpcCodec.json());
        StepVerifier.create(mistyped.addText("two and three"))
                .expectErrorSatisfies(rpcError(RpcException.INVALID, "route 'Calculator.add' cannot decode its argument", "Pair"))
                .verify(WAIT);
    }

    @Test
    @DisplayName("an answer this side cannot decode fails the call as INVALID naming the route and the type")
    void undecodableAnswer() {
        MistypedCalculator mistyped = worker.service(MistypedCalculator.class, RpcCodec.json());
        StepVerifier.create(mistyped.countToPairs(3))
                .expectErrorSatisfies(rpcError(RpcException.INVALID, "the answer of route 'Calculator.countTo' could not be decoded", "Pair"))
                .verify(WAIT);
        StepVerifier.create(calculator.countTo(3)).expectNext(1, 2, 3).expectComplete().verify(WAIT);
    }
}
