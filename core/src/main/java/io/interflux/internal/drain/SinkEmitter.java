package io.interflux.internal.drain;

import io.interflux.Emitter;
import io.interflux.MetricsRecorder;
import io.interflux.internal.metrics.Metering;
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
    private final MetricsRecorder metrics;

    public SinkEmitter(String description, Lifecycle lifecycle, MessageSink<M> sink) {
        this(description, lifecycle, sink, Metering.NONE);
    }

    /** An emitter that reports each value it puts in to {@code metrics}. */
    public SinkEmitter(String description, Lifecycle lifecycle, MessageSink<M> sink, MetricsRecorder metrics) {
        this.description = description;
        this.lifecycle = lifecycle;
        this.sink = sink;
        this.metrics = java.util.Objects.requireNonNull(metrics, "metrics");
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
                if (!sink.offer(message, new WorkBudget())) {
                    return Sinks.EmitResult.FAIL_OVERFLOW;
                }
                metrics.messagesSent(1);
                return Sinks.EmitResult.OK;
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
