package io.interflux.it.support;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Bounded polling for conditions the OS offers no notification for: a process state in
 * {@code /proc}, a file appearing, a counter settling. Each poll is followed by a one-millisecond
 * park, so a waiting test does not steal a core from the processes it watches.
 *
 * <pre>{@code
 * Eventually.holds(Duration.ofSeconds(10), () -> "child blocked in write: " + probe,
 *         () -> probe.isBlockedIn("pipe"));
 * }</pre>
 */
public final class Eventually {

    private static final long PAUSE_NANOS = 1_000_000L;

    private Eventually() {
    }

    /**
     * Returns as soon as {@code condition} holds; fails with an {@link AssertionError} carrying
     * {@code description} (evaluated at the time of failure) if it does not within {@code timeout}.
     */
    public static void holds(Duration timeout, Supplier<String> description, BooleanSupplier condition) {
        if (!within(timeout, condition)) {
            throw new AssertionError("not within " + timeout + ": " + description.get());
        }
    }

    /** Whether {@code condition} holds within {@code timeout}; polls until it does or time is up. */
    public static boolean within(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (;;) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            LockSupport.parkNanos(PAUSE_NANOS);
        }
    }
}
