package io.interflux.internal.drain;

import java.util.function.Predicate;

/**
 * A source that takes several messages in one step: a ring reads a run of records and moves its
 * head once for all of them, where taking them one by one would store the head, clear the memory
 * and fence once per record. {@link MessageReceive} uses it instead of {@link #poll} one by one.
 *
 * @param <M> the messages
 */
public interface MessageBatchSource<M> extends MessageSource<M> {

    /**
     * Takes up to {@code max} messages (never more: {@code max} is the subscriber's outstanding
     * demand), handing each to {@code sink} the moment it is taken. When {@code sink} answers
     * {@code false} (the subscriber cancelled) the message it was given counts as delivered and
     * the rest stay in the object, for whoever takes them next. Returns how many were taken, 0
     * when none can be now (then as after a {@code null} {@link #poll}). Spends the budget before
     * each step as {@code poll} does before each call, and throws as {@code poll} throws.
     */
    int take(WorkBudget budget, long max, Predicate<? super M> sink);
}
