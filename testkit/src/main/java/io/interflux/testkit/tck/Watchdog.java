package io.interflux.testkit.tck;

import io.interflux.testkit.LeakCheck;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/** The checks around a TCK class: BlockHound is watching before it, nothing is left after it. */
final class Watchdog {

    private Map<String, Set<String>> before;

    void beforeClass() {
        try {
            Mono.fromCallable(() -> {
                Thread.sleep(1);
                return 1;
            }).subscribeOn(Schedulers.parallel()).block(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            if (e.getCause() instanceof BlockingOperationError) {
                before = LeakCheck.snapshot();
                return;
            }
            throw e;
        }
        throw new AssertionError("BlockHound must be installed in the test JVM (blockhound-junit-platform's"
                + " launcher listener does it for every engine, TestNG's included): a sleep on a parallel"
                + " thread went unnoticed");
    }

    void afterClass(Class<?> testClass) {
        if (before != null) {
            LeakCheck.assertNothingLeftSince(before, testClass.getName());
        }
    }
}
