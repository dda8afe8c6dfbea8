package io.interflux.it.shm;

import io.interflux.pipe.ChildProcess;
import io.interflux.it.support.OsResources;
import io.interflux.shm.SharedSemaphore;
import io.interflux.shm.SharedValues;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ten child JVMs and this one contending for the three permits of one shared semaphore, each
 * counting itself in and out of a shared value while it holds a permit: never more than three at
 * once, and three at once while they contend; every permit is back at the end. This JVM takes
 * its permits with {@code withPermit} and holds them across a {@code Mono.delay}, on Reactor's
 * threads, where BlockHound would fail any blocking call.
 */
@Timeout(90)
@DisplayName("A shared semaphore of 3 permits ten JVMs and this one contend for")
class SyncSemaphoreIT {

    static final Duration WAIT = Duration.ofSeconds(60);
    static final int PERMITS = 3;
    static final int CHILDREN = 10;
    static final int ROUNDS = 50;
    /** How long a holder keeps its permit, after counting itself in: long enough for others to overlap. */
    static final Duration HOLD = Duration.ofNanos(200_000);

    @RegisterExtension
    final OsResources os = new OsResources();

    @Test
    @DisplayName("lets at most 3 of 11 JVMs hold a permit at once, and 3 do while they contend; all 550 rounds run, and at the end nobody is counted in and all 3 permits are free")
    void atMostThreeAtOnce() {
        SyncObjects objects = SyncObjects.unique("pool");
        os.onRelease("remove " + objects, objects::remove);
        SharedValues values = os.track(SharedValues.named(objects.values()).slots(SyncPeer.SLOTS).openNow(WAIT));
        SharedSemaphore semaphore = os.track(objects.remember(SharedSemaphore.named(objects.semaphore())
                .permits(PERMITS).openNow(WAIT)));
        long launched = System.nanoTime();
        List<Peer> children = new ArrayList<>();
        for (int i = 0; i < CHILDREN; i++) {
            children.add(Peer.start(os, SyncPeer.jvm("pool", objects.values(), objects.semaphore(),
                    Integer.toString(ROUNDS)).as(ChildProcess::command)));
        }
        for (Peer c : children) {
            c.expect("ready");
        }
        long started = System.nanoTime();
        values.longValue(SyncPeer.START).set(1);

        // this JVM's rounds, as the children's: count in, hold, count out, give back, count the round
        Flux<Void> rounds = Flux.range(0, ROUNDS).concatMap(r -> semaphore
                .withPermit(Mono.fromRunnable(() -> SyncPeer.countIn(values))
                        .then(Mono.delay(HOLD))
                        .then(Mono.fromRunnable(() -> SyncPeer.countOut(values))))
                .then(Mono.fromRunnable(() -> values.longValue(SyncPeer.ROUNDS_DONE).getAndAdd(1))));
        StepVerifier.create(rounds).expectComplete().verify(WAIT);
        long here = System.nanoTime();
        for (Peer c : children) {
            c.expect("done");
            c.expectSuccess();
        }
        long now = System.nanoTime();
        System.out.println("[sync] " + CHILDREN + " JVMs and this one, " + ROUNDS + " rounds each on " + PERMITS
                + " permits: " + (started - launched) / 1_000_000 + " ms to start them, " + (now - started) / 1_000_000
                + " ms of rounds (this JVM's done after " + (here - started) / 1_000_000 + " ms); most holders at once "
                + values.longValue(SyncPeer.MAX_SEEN).get());

        int all = (CHILDREN + 1) * ROUNDS;
        assertThat(values.longValue(SyncPeer.ROUNDS_DONE).get()).as("rounds run").isEqualTo(all);
        assertThat(values.longValue(SyncPeer.WORK).get()).as("work done").isEqualTo((long) all * SyncPeer.WORK_PER_ROUND);
        assertThat(values.longValue(SyncPeer.MAX_SEEN).get()).as("most holders at once").isEqualTo(PERMITS);
        assertThat(values.longValue(SyncPeer.IN_USE).get()).as("holders counted in at the end").isZero();
        assertThat(semaphore.available()).as("free permits at the end").isEqualTo(PERMITS);
    }
}
