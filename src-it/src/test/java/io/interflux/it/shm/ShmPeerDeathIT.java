package io.interflux.it.shm;

import io.interflux.pipe.ChildProcess;
import io.interflux.Creation;
import io.interflux.it.support.OsResources;
import io.interflux.shm.NoConsumerException;
import io.interflux.shm.SharedRing;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Child JVMs killed with {@code SIGKILL} while they use a shared ring: a producer at a random
 * point of a flood (the consumer goes on, losing at most the one record it may have left
 * unfinished), and a consumer while a producer waits for space (the send gives up once the
 * consumer timeout has passed without one).
 */
@Timeout(60)
@DisplayName("A shared ring whose peer JVM is killed with SIGKILL")
class ShmPeerDeathIT {

    static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final OsResources os = new OsResources();

    SharedRing create(RingFiles files, int capacity, Duration consumerTimeout) {
        os.onRelease("remove " + files, files::remove);
        return os.track(SharedRing.named(files.name()).creation(Creation.CREATE_NEW).capacity(capacity)
                .consumerTimeout(consumerTimeout).openNow(WAIT));
    }

    Peer peer(String... args) {
        return Peer.start(os, RingPeer.jvm(args).as(ChildProcess::command));
    }

    @Test
    @DisplayName("goes on after a flooding producer JVM is killed at a random point: the dead one's records arrive in order up to the last it finished, at most one is skipped, and a later producer's 10,000 all arrive")
    void floodingProducerKilled() throws Exception {
        int flood = 1;
        int later = 2;
        int laterRecords = 10_000;
        long killAfter = ThreadLocalRandom.current().nextLong(2_000, 40_000);
        RingFiles files = RingFiles.unique("flood-killed");
        SharedRing ring = create(files, 1 << 16, Duration.ofSeconds(10));
        Peer flooding = peer("flood", files.name(), Integer.toString(flood));
        flooding.expect("ready");
        SequenceCheck check = new SequenceCheck();
        CountDownLatch reached = new CountDownLatch(1);

        // the check fails the receive at the first record out of its producer's sequence
        CompletableFuture<Void> received = ring.receive()
                .doOnNext(check)
                .doOnNext(m -> {
                    if (check.count(flood) == killAfter) {
                        reached.countDown();
                    }
                })
                .takeUntil(m -> check.count(later) == laterRecords)
                .then().toFuture();
        assertThat(reached.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("%s flood records received", killAfter)
                .isTrue();
        flooding.kill();
        long atKill = check.count(flood);

        Peer afterwards = peer("produce", files.name(), Integer.toString(later), Integer.toString(laterRecords));
        afterwards.expect("ready");
        afterwards.go().block(WAIT);
        await(received);

        System.out.println("[shm] flood killed when " + atKill + " of its records had arrived (aimed at " + killAfter
                + "); " + check.count(flood) + " arrived in all, in order; skipped " + ring.skippedRecords());
        assertThat(check.count(later)).as("records of the later producer").isEqualTo(laterRecords);
        assertThat(check.count(flood)).as("records of the killed producer").isGreaterThanOrEqualTo(atKill);
        assertThat(ring.skippedRecords()).as("unfinished records of the killed producer skipped").isBetween(0L, 1L);
        afterwards.expect("sent " + laterRecords);
        afterwards.expectSuccess();
    }

    @Test
    @DisplayName("fails a send waiting on a full ring with NoConsumerException within the consumer timeout (1 s) and a margin after the consumer JVM is killed, and not while it lives")
    void consumerKilled() {
        Duration consumerTimeout = Duration.ofSeconds(1);
        RingFiles files = RingFiles.unique("consumer-killed");
        SharedRing ring = create(files, 4096, consumerTimeout);
        Peer consumer = peer("hold", files.name(), "100");
        consumer.expect("ready");
        AtomicLong pulled = new AtomicLong();
        AtomicLong killedAt = new AtomicLong();

        StepVerifier.create(ring.send(NumberedRecords.endless(1).doOnNext(m -> pulled.incrementAndGet())))
                .expectSubscription()
                .then(() -> consumer.expect("took 100"))
                // the consumer takes no more: the ring fills, and the send waits for space as long as
                // the consumer lives, past the consumer timeout
                .expectNoEvent(consumerTimeout.plusMillis(500))
                .then(() -> {
                    killedAt.set(System.nanoTime());
                    consumer.kill();
                })
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(NoConsumerException.class)
                        .hasMessageContaining(files.name()))
                .verify(WAIT);

        long ms = (System.nanoTime() - killedAt.get()) / 1_000_000;
        System.out.println("[shm] send failed with NoConsumerException " + ms + " ms after the consumer was killed"
                + " (consumer timeout " + consumerTimeout.toMillis() + " ms); " + pulled.get()
                + " records were taken from the source");
        assertThat(ms).as("ms from the kill to the failure").isBetween(consumerTimeout.toMillis(),
                consumerTimeout.toMillis() + 1000);
        // 100 taken, a 4 KiB ring of 24-byte records (170) and the send's prefetch: far below this
        assertThat(pulled.get()).as("records the full ring let the send pull from its source").isLessThan(2_000);
    }

    private static void await(CompletableFuture<Void> future) throws Exception {
        try {
            future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error) {
                throw (Error) e.getCause();
            }
            throw e;
        } catch (TimeoutException e) {
            throw new AssertionError("the receive did not end within " + WAIT, e);
        }
    }
}
