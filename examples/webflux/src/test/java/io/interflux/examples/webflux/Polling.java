package io.interflux.examples.webflux;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded polling for tests: a condition checked every 25 ms until it holds or time runs out. */
public final class Polling {

    private static final long EVERY_NANOS = Duration.ofMillis(25).toNanos();

    private Polling() {
    }

    /** Returns once {@code condition} holds; fails after {@code limit} with {@code what}, computed then (it may show the last value seen). */
    public static void await(Duration limit, Supplier<String> what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + limit + ": " + what.get());
            }
            LockSupport.parkNanos(EVERY_NANOS);
        }
    }
}
