package io.interflux;

import reactor.core.publisher.Operators;
import reactor.core.publisher.SignalType;
import reactor.core.publisher.Sinks;
import reactor.util.context.Context;

/**
 * The imperative way into an endpoint that sends, in the spirit of Reactor's {@code Sinks.Many}:
 * one value at a time, straight into the kernel object, never buffered, never blocking.
 *
 * <p>{@link #tryEmitNext(Object)} answers at once:
 * <ul>
 *   <li>{@link Sinks.EmitResult#OK}: the kernel object took the value;</li>
 *   <li>{@link Sinks.EmitResult#FAIL_OVERFLOW}: it is full right now and nothing was written (a
 *       pipe or FIFO whose buffer lacks room for the whole frame, a queue at its message or byte
 *       limit); try again later, or use the endpoint's {@code send(Publisher)}, which waits;</li>
 *   <li>{@link Sinks.EmitResult#FAIL_NON_SERIALIZED}: another emission or a {@code send} is using
 *       the endpoint at this moment;</li>
 *   <li>{@link Sinks.EmitResult#FAIL_TERMINATED}: the endpoint is disposed.</li>
 * </ul>
 * A value that can never be sent (a frame over the maximum) throws
 * {@link FrameTooLargeException}, as misuse does; an OS failure throws {@link IpcException}.
 *
 * <pre>{@code
 * Emitter<String> out = queue.emitter(Codec.utf8(), 0);
 * if (out.tryEmitNext("tick") == Sinks.EmitResult.FAIL_OVERFLOW) {
 *     dropped.increment();          // the consumer is behind: drop rather than wait
 * }
 * }</pre>
 *
 * @param <T> the values emitted
 */
public interface Emitter<T> {

    /** Puts {@code value} into the kernel object now, or says why not; never blocks. */
    Sinks.EmitResult tryEmitNext(T value);

    /**
     * {@link #tryEmitNext(Object)}, retried for as long as {@code failureHandler} says so (for
     * instance {@code Sinks.EmitFailureHandler.busyLooping(Duration.ofMillis(10))}, which spins:
     * not for a non-blocking thread). When the handler gives up: {@code FAIL_OVERFLOW} throws an
     * overflow exception naming the endpoint, {@code FAIL_NON_SERIALIZED} throws
     * {@link Sinks.EmissionException}, and {@code FAIL_TERMINATED} drops the value through
     * Reactor's {@code onNextDropped} hook.
     */
    default void emitNext(T value, Sinks.EmitFailureHandler failureHandler) {
        for (;;) {
            Sinks.EmitResult result = tryEmitNext(value);
            if (result.isSuccess()) {
                return;
            }
            if (failureHandler.onEmitFailure(SignalType.ON_NEXT, result)) {
                continue;
            }
            switch (result) {
                case FAIL_OVERFLOW:
                    throw reactor.core.Exceptions.failWithOverflow(describe() + " is full: the value was not sent");
                case FAIL_NON_SERIALIZED:
                    throw new Sinks.EmissionException(result,
                            "another emission or send is using " + describe() + " at the same time");
                default:
                    Operators.onNextDropped(value, Context.empty());
                    return;
            }
        }
    }

    /** What the emitter sends to, for messages: {@code "stdin of cat [pid 42]"}. */
    String describe();
}
