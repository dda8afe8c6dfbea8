package io.interflux.testkit.tck;

import org.reactivestreams.tck.TestEnvironment;

/**
 * The TCK's waits, made for a loaded machine (a 2-core CI runner building other modules at once).
 *
 * <p>A wait for a signal that must come ends as soon as it comes, so {@link #SIGNAL_MILLIS} can be
 * generous at no cost to a passing run. A check that a signal does <em>not</em> come sleeps its
 * whole length ({@link #NO_SIGNAL_MILLIS}) on every call, and a run makes a few dozen of them per
 * class, so it is short: a publisher that emits what it must not does so at once (from
 * {@code request}, from a read already under way), not a tenth of a second later.
 */
public final class TckTimeouts {

    /** How long an expected signal (an element, completion, an error, a request) may take. */
    public static final long SIGNAL_MILLIS = 2_000;

    /** How long a check that nothing is signalled watches. */
    public static final long NO_SIGNAL_MILLIS = 100;

    /** How often a wait for an error looks again. */
    public static final long POLL_MILLIS = 10;

    /** How long rule 3.13's check waits after a cancel before it collects garbage (the TCK's default). */
    public static final long GC_MILLIS = 300;

    private TckTimeouts() {
    }

    /** A TCK environment with these timeouts. */
    public static TestEnvironment environment() {
        return new TestEnvironment(SIGNAL_MILLIS, NO_SIGNAL_MILLIS, POLL_MILLIS);
    }
}
