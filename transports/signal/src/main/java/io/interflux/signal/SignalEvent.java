package io.interflux.signal;

import io.interflux.UnixSignal;

import java.time.Instant;
import java.util.Objects;

/**
 * One delivery of a signal to this JVM, as {@link Signals#receive(UnixSignal...)} hands it out.
 *
 * <p>A signal carries nothing but its number, so an event says which signal arrived, when, and
 * where it stands in the count of that signal's deliveries:
 * <ul>
 *   <li>{@code sequence} numbers the deliveries of {@code signal} that Interflux has seen in this
 *       JVM, from 1, whoever was listening. It is shared by every subscriber, so two subscribers
 *       that see the same delivery see the same sequence number.</li>
 *   <li>{@code missedBefore} is how many deliveries of {@code signal} this subscriber did not
 *       get just before this one, because it had no demand (or too little) when they arrived.
 *       Interflux keeps at most one pending delivery per signal and subscriber: a newer one
 *       replaces the older, and the gap in {@code sequence} is reported here instead of being
 *       buffered.</li>
 * </ul>
 * For any subscriber, the sum of its events plus the sum of their {@code missedBefore} equals
 * the deliveries that happened while it was subscribed, up to its last event. The kernel adds
 * one more, silent, loss: a standard signal sent while the same signal is still pending is
 * merged into it, so the deliveries can be fewer than the {@code kill(2)} calls that caused them.
 *
 * @param signal       the signal that arrived
 * @param timestamp    when the JVM handed it to Interflux (wall clock)
 * @param sequence     the number of this delivery of {@code signal} in this JVM, from 1
 * @param missedBefore deliveries of {@code signal} this subscriber missed just before this one
 */
public record SignalEvent(UnixSignal signal, Instant timestamp, long sequence, long missedBefore) {

    /** Validates the fields. */
    public SignalEvent {
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(timestamp, "timestamp");
        if (sequence <= 0) {
            throw new IllegalArgumentException("sequence > 0 required but it was " + sequence);
        }
        if (missedBefore < 0) {
            throw new IllegalArgumentException("missedBefore >= 0 required but it was " + missedBefore);
        }
    }
}
