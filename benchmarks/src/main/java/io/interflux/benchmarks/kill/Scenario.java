package io.interflux.benchmarks.kill;

import java.time.Duration;

/**
 * How one mechanism is killed. {@link #run(Kill)} opens the Interflux side and the victim, kills
 * the victim at the kill's point, checks what the Interflux side did (ended or went on as
 * documented, within {@link #NOTICE}; every value the kernel accepted delivered once, in order)
 * and releases everything it opened, even when it fails. The campaign checks afterwards that
 * nothing is left.
 */
interface Scenario extends AutoCloseable {

    /** How long a victim may take to start and open its end: a JVM on a busy 2-core machine. */
    Duration START = Duration.ofSeconds(60);
    /** How long the victim may take to reach the kill point. */
    Duration REACH = Duration.ofSeconds(60);
    /** How long a killed victim may take to be dead and reaped. */
    Duration DEATH = Duration.ofSeconds(10);
    /** How long the Interflux side may take to notice the death: longer is a hang. */
    Duration NOTICE = Duration.ofSeconds(10);
    /** How long a dispose may take to release what it holds. */
    Duration RELEASE = Duration.ofSeconds(10);

    /** Starts what kill {@code kill} and the next ones need ahead of time (victim JVMs). */
    default void prepare(Kill kill) {
    }

    void run(Kill kill) throws Exception;

    /** Releases what the mechanism keeps across kills (a listening server). */
    @Override
    default void close() {
    }
}
