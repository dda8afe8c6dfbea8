package io.interflux.it.rpc;

import io.interflux.rpc.RpcMethod;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.util.List;

/**
 * The typed service {@link RpcWorker} serves over its standard streams and {@link RpcChildServiceIT}
 * calls through a proxy: one method per RSocket interaction, arguments and results as JSON.
 */
public interface Calculator {

    /** Two operands, to show a record travelling as one argument. */
    record Pair(int a, int b) {
    }

    /** Request/response: {@code a + b}. */
    Mono<Integer> add(Pair p);

    /** Request/response whose implementation fails for {@code b == 0}, with {@link ArithmeticException}'s message. */
    Mono<Integer> divide(Pair p);

    /** Request/stream: 1 to {@code n}. */
    Flux<Integer> countTo(Integer n);

    /** Channel: each word upper-cased, as it arrives. */
    Flux<String> upper(Flux<String> words);

    /** Fire-and-forget: the child keeps the note. */
    @RpcMethod(fireAndForget = true)
    Mono<Void> note(String s);

    /** Request/response without an argument: the notes kept so far, in arrival order. */
    Mono<List<String>> notes();
}
