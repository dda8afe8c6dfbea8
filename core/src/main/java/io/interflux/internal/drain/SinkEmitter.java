package io.interflux.internal.drain;

import io.interflux.Emitter;
import reactor.core.publisher.Sinks;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * An {@link Emitter} over a transport's {@link MessageSink}: one {@code offer} per value, with a
 * fresh budget, while the object's {@link Lifecycle} keeps the handle open for the call. The
 * emitter has a sink of its own (its own buffer), so emissions are serialised among themselves
 * only; a concurrent emission answers {@code FAIL_NON_SERIALIZED}.
 *
 * @param <M> the messages
 */
public final class SinkEmitter<M> implements Emitter<M> {

    private final String description;
    private final Lifecycle lifecycle;
    private final MessageSink<M> sink;
    private final AtomicBoolean busy = new AtomicBoolean();

    public SinkEmitter(String description, Lifecycle lifecycle, MessageSink<M> sink) {
        this.description = description;
        this.lifecycle = lifecycle;
        this.sink = sink;
    }

    @Override
    public Sinks.EmitResult tryEmitNext(M message) {
        Objects.requireNonNull(message, "message");
        if (!lifecycle.enter()) {
            return Sinks.EmitResult.FAIL_TERMINATED;
        }
        try {
            if (!busy.compareAndSet(false, true)) {
                return Sinks.EmitResult.FAIL_NON_SERIALIZED;
            }
            try {
                return sink.offer(message, new WorkBudget()) ? Sinks.EmitResult.OK : Sinks.EmitResult.FAIL_OVERFLOW;
            } finally {
                busy.set(false);
            }
        } finally {
            lifecycle.exit();
        }
    }

    @Override
    public String describe() {
        return description;
    }

    /** An emitter of values, each turned into a message by {@code toMessage}, into {@code messages}. */
    public static <T, M> Emitter<T> mapped(Emitter<M> messages, Function<? super T, ? extends M> toMessage) {
        Objects.requireNonNull(toMessage, "toMessage");
        return new Emitter<T>() {
            @Override
            public Sinks.EmitResult tryEmitNext(T value) {
                return messages.tryEmitNext(toMessage.apply(value));
            }

            @Override
            public String describe() {
                return messages.describe();
            }
        };
    }
}
