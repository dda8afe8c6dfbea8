package io.interflux.it.shm;

import io.interflux.pipe.ChildProcess;
import io.interflux.it.support.OsResources;
import io.interflux.shm.Permit;
import io.interflux.shm.SharedSemaphore;
import io.interflux.shm.SharedValues;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Child JVMs that die holding a shared lock or semaphore permits, by {@code SIGKILL} or by
 * halting: the kernel gives the permits back ({@code SEM_UNDO}), and the next holder of a lock is
 * told that its previous holder died, and which process it was, so it can repair the transfer
 * the dead one left half done. A holder that gives the lock back normally is reported as alive.
 */
@Timeout(60)
@DisplayName("A shared lock or semaphore whose holder JVM dies holding it")
class SyncHolderDeathIT {

    static final Duration WAIT = Duration.ofSeconds(30);
    /** How long the next holder may take to get a dead holder's lock. */
    static final Duration TAKE_OVER = Duration.ofSeconds(10);
    /** FROM + TO while no transfer is half done. */
    static final long BALANCE = 100;

    @RegisterExtension
    final OsResources os = new OsResources();

    SharedValues values(SyncObjects objects) {
        SharedValues values = os.track(SharedValues.named(objects.values()).slots(SyncPeer.SLOTS).openNow(WAIT));
        values.longValue(SyncPeer.FROM).set(BALANCE);
        return values;
    }

    SharedSemaphore semaphore(SyncObjects objects, int permits) {
        os.onRelease("remove " + objects, objects::remove);
        return os.track(objects.remember(SharedSemaphore.named(objects.semaphore()).permits(permits).openNow(WAIT)));
    }

    Peer peer(String... args) {
        return Peer.start(os, SyncPeer.jvm(args).as(ChildProcess::command));
    }

    /**
     * What a holder that finds the previous one dead does: finishes the half-done transfer
     * (gives TO what FROM lost) and clears the mark. Returns what it found.
     */
    static String repair(SharedValues values, Permit permit) {
        String found = "died=" + permit.previousHolderDied() + " pid=" + permit.previousHolderPid()
                + " dirty=" + values.longValue(SyncPeer.DIRTY).get();
        if (permit.previousHolderDied() && values.longValue(SyncPeer.DIRTY).get() == 1) {
            values.longValue(SyncPeer.TO).addAndGet(SyncPeer.AMOUNT);
            values.longValue(SyncPeer.DIRTY).set(0);
        }
        return found;
    }

    static long balance(SharedValues values) {
        return values.longValue(SyncPeer.FROM).get() + values.longValue(SyncPeer.TO).get();
    }

    @Test
    @DisplayName("gives the lock of a JVM killed with SIGKILL while holding it to a waiting acquire within 10 s, whose permit says the previous holder died and names its pid, so the half-done transfer is repaired; the next holders, here and in another JVM, are told nothing died")
    void holderKilled() {
        SyncObjects objects = SyncObjects.unique("killed");
        SharedSemaphore lock = semaphore(objects, 1);
        SharedValues values = values(objects);
        Peer holder = peer("hold", objects.values(), objects.semaphore());
        holder.expect("holding");
        assertThat(lock.tryAcquire()).as("the lock while %s holds it", holder).isEmpty();
        assertThat(lock.available()).isZero();
        assertThat(balance(values)).as("FROM + TO with the transfer half done").isEqualTo(BALANCE - SyncPeer.AMOUNT);
        AtomicLong killedAt = new AtomicLong();

        StepVerifier.create(lock.usingPermit(p -> Mono.fromCallable(() -> repair(values, p))))
                .expectSubscription()
                // the holder lives: the acquire waits for it
                .expectNoEvent(Duration.ofMillis(500))
                .then(() -> {
                    killedAt.set(System.nanoTime());
                    holder.kill();
                })
                .expectNext("died=true pid=" + holder.pid() + " dirty=1")
                .expectComplete()
                .verify(TAKE_OVER);

        long ms = (System.nanoTime() - killedAt.get()) / 1_000_000;
        System.out.println("[sync] the lock of a holder killed with SIGKILL taken and repaired " + ms
                + " ms after the kill");
        assertThat(balance(values)).as("FROM + TO after the repair").isEqualTo(BALANCE);
        assertThat(values.longValue(SyncPeer.DIRTY).get()).isZero();
        assertThat(lock.available()).as("free permits after the repair gave the lock back").isOne();

        // the repairer gave the lock back normally: nobody is told of a death any more
        StepVerifier.create(lock.usingPermit(p -> Mono.just(repair(values, p))))
                .expectNext("died=false pid=0 dirty=0")
                .expectComplete()
                .verify(WAIT);
        Peer next = peer("lock-unlock", objects.semaphore());
        next.expect("took died=false pid=0");
        next.expectSuccess();
        assertThat(lock.available()).isOne();
    }

    @Test
    @DisplayName("tells the next holder that a JVM which ended with Runtime.halt while holding the lock died holding it, with its pid")
    void holderHalted() {
        SyncObjects objects = SyncObjects.unique("halted");
        SharedSemaphore lock = semaphore(objects, 1);
        SharedValues values = values(objects);
        Peer holder = peer("halt", objects.values(), objects.semaphore());
        holder.expect("holding");
        assertThat(holder.exitStatus()).as("exit status of %s", holder).isZero();

        StepVerifier.create(lock.usingPermit(p -> Mono.fromCallable(() -> repair(values, p))))
                .expectNext("died=true pid=" + holder.pid() + " dirty=1")
                .expectComplete()
                .verify(TAKE_OVER);

        assertThat(balance(values)).isEqualTo(BALANCE);
        assertThat(lock.available()).isOne();
    }

    @Test
    @DisplayName("tells nobody of a death when the previous holder, another JVM, gave the lock back before it exited")
    void holderReleased() {
        SyncObjects objects = SyncObjects.unique("released");
        SharedSemaphore lock = semaphore(objects, 1);
        Peer holder = peer("lock-unlock", objects.semaphore());
        holder.expect("took died=false pid=0");
        holder.expectSuccess();

        StepVerifier.create(lock.usingPermit(p -> Mono.just("died=" + p.previousHolderDied()
                        + " pid=" + p.previousHolderPid())))
                .expectNext("died=false pid=0")
                .expectComplete()
                .verify(WAIT);
        assertThat(lock.available()).isOne();
    }

    @Test
    @DisplayName("gets back both permits of a 3-permit semaphore that a JVM killed with SIGKILL held: 1 free while it lives, 3 once it is reaped, all 3 then taken at once here")
    void permitsOfKilledProcessComeBack() {
        SyncObjects objects = SyncObjects.unique("undo");
        SharedSemaphore semaphore = semaphore(objects, 3);
        Peer taker = peer("take", objects.semaphore(), "2");
        taker.expect("took 2");
        assertThat(semaphore.available()).as("free permits while %s holds 2", taker).isOne();

        taker.kill();

        // the kernel undoes the dead process's semops as it exits, before its parent can reap it
        assertThat(semaphore.available()).as("free permits once %s is reaped", taker).isEqualTo(3);
        List<Permit> taken = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Permit p = os.track(semaphore.tryAcquire().orElseThrow(() -> new AssertionError("a permit is missing")));
            assertThat(p.previousHolderDied()).as("a semaphore of several permits never says who died").isFalse();
            taken.add(p);
        }
        assertThat(semaphore.tryAcquire()).as("a fourth permit").isEmpty();
        taken.forEach(Permit::release);
        assertThat(semaphore.available()).isEqualTo(3);
    }
}
