package io.interflux.benchmarks.kill;

import io.interflux.Creation;
import io.interflux.shm.Permit;
import io.interflux.shm.SharedSemaphore;
import reactor.core.Disposable;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * A JVM killed at a random point of a loop that takes a shared lock, moves 1 from FROM to TO (with
 * HELD set while it does) and gives the lock back. The next holder must get the lock within
 * {@link #NOTICE}, and be told the previous holder died, with its pid, whenever it died holding
 * it (HELD was 1), so that it can finish the half-done transfer: FROM + TO is whole again after
 * the repair. A victim that dies between taking the lock and setting HELD, or between clearing it
 * and giving the lock back, died holding it too: the next holder is told, and finds nothing to
 * repair. In half the kills this JVM starts waiting for the lock just before the kill (up to 2 ms
 * before); when it gets the lock before the kill, the victim dies waiting, and nobody may be told
 * of a death.
 */
final class LockKill implements Scenario {

    static final String MECHANISM = "sync";
    /** A transfer holds the lock for a park (some 60 us here): the kill point's values, a sixteenth of them, come at that pace. */
    static final long TRANSFERS_PER_ITEM = 16;
    /** FROM + TO while no transfer is half done. */
    static final long BALANCE = 1L << 40;

    @Override
    public void prepare(Kill kill) {
        kill.victims.startAhead(MECHANISM, kill.index, kill.last, Victims.AHEAD, i -> args(kill, i));
    }

    private static String[] args(Kill kill, int i) {
        return kill.jvmArgs("lock", i, Kill.name(kill.prefix, MECHANISM, i, "lock"));
    }

    @Override
    public void run(Kill kill) throws Exception {
        Control ctl = kill.ctl;
        CompletableFuture<Permit> early = new CompletableFuture<>();
        long[] grantedAt = new long[1];
        Disposable waiting = null;
        try {
            ctl.set(Control.FROM, BALANCE);
            SharedSemaphore lock = kill.track(SharedSemaphore.lock(kill.name("lock")).creation(Creation.CREATE_NEW).openNow(START));
            kill.sysv("sem", lock.id());
            ctl.set(Control.OBJECTS, 1);
            Victim victim = kill.victim(kill.victims.takeWarm(MECHANISM, kill.index, i -> args(kill, i)));
            if (ctl.awaitSet(Control.READY, START, victim::alive) == 0) {
                kill.fail(victim + " never got ready (alive=" + victim.alive() + "): " + victim.stderr());
                return;
            }
            boolean contended = kill.point.random.nextBoolean();
            long waitMicros = kill.point.random.nextLong(2_000);
            ctl.set(Control.GO, 1);
            if (!reachKillPoint(kill, ctl, victim)) {
                return;
            }
            if (contended) {
                // a waiter queues up behind the live holder, and the kill falls while it waits or holds
                waiting = lock.acquire().subscribe(p -> {
                    grantedAt[0] = System.nanoTime();
                    early.complete(p);
                }, early::completeExceptionally);
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(waitMicros));
            }
            long killedAt = System.nanoTime();
            victim.kill();
            int status = victim.awaitExit(DEATH);
            if (status != Victim.KILLED) {
                kill.fail(victim + " ended with status " + status + ", not 137 (SIGKILL): " + victim.stderr());
            }
            long held = ctl.get(Control.HELD);
            if (early.isDone() && !early.isCompletedExceptionally() && grantedAt[0] - killedAt < 0) {
                killedWaiting(kill, lock, early.get(), held);
                kill.delivered(ctl.get(Control.TO));
                return;
            }
            Permit permit = contended ? await(early) : acquire(lock);
            if (permit == null) {
                kill.fail(early.isCompletedExceptionally() ? "the acquire waiting alongside the victim failed: " + early
                        : "hang: the lock of the dead victim was not taken " + NOTICE.toSeconds() + " s after the kill");
                return;
            }
            kill.noticed((contended ? grantedAt[0] : System.nanoTime()) - killedAt);
            try {
                check(kill, ctl, permit, held, victim);
            } finally {
                permit.release();
            }
            if (lock.available() != 1) {
                kill.fail(lock.available() + " permits free after the next holder gave the lock back, not 1");
            }
        } finally {
            if (waiting != null) {
                waiting.dispose();
            }
            early.thenAccept(Permit::release); // taken just as it was cancelled
            kill.releaseAll();
        }
    }

    /** Waits for the victim's transfers to reach the kill point, or for its delay; false when the victim got nowhere. */
    private static boolean reachKillPoint(Kill kill, Control ctl, Victim victim) {
        if (kill.point.mode == KillPoint.Mode.TIMED) {
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(kill.point.delayMicros)); // the kill point itself
            return true;
        }
        long deadline = System.nanoTime() + REACH.toNanos();
        long transfers = kill.point.items / TRANSFERS_PER_ITEM;
        while (ctl.get(Control.TO) < transfers) {
            if (!victim.alive() || System.nanoTime() - deadline > 0) {
                kill.fail("the kill point was never reached: " + ctl.get(Control.TO) + " of " + transfers
                        + " transfers (victim alive=" + victim.alive() + "): " + victim.stderr());
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
        }
        if (kill.point.mode == KillPoint.Mode.HELD) {
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(kill.point.delayMicros));
        }
        return true;
    }

    /** This JVM held the lock when the victim was killed, waiting for it: nobody died holding it. */
    private static void killedWaiting(Kill kill, SharedSemaphore lock, Permit mine, long held) {
        kill.note("killed waiting");
        if (held == 1) {
            kill.fail("the victim had HELD set while this JVM held the lock: both held it");
        }
        if (mine.previousHolderDied()) {
            kill.fail("this JVM took the lock from a live victim and was told its previous holder died: " + mine);
        }
        mine.release();
        Permit next = acquire(lock);
        if (next == null) {
            kill.fail("hang: the lock was not taken again " + NOTICE.toSeconds() + " s after this JVM gave it back");
            return;
        }
        if (next.previousHolderDied()) {
            kill.fail("the lock was given back normally by this JVM, yet its next holder was told of a death: " + next);
        }
        next.release();
    }

    /** What the next holder after the death must find, and the repair of the transfer the victim left half done. */
    private static void check(Kill kill, Control ctl, Permit permit, long held, Victim victim) {
        boolean died = permit.previousHolderDied();
        if (held == 1 && !died) {
            kill.fail("the victim died holding the lock (HELD was 1), yet its next holder was not told: " + permit);
        }
        if (died && permit.previousHolderPid() != 0 && permit.previousHolderPid() != victim.pid) {
            kill.fail("told that pid " + permit.previousHolderPid() + " died holding the lock; the victim was " + victim.pid);
        }
        kill.note(!died ? "released before the kill" : held == 1 ? "died mid-transfer, told, repaired" : "died holding, outside HELD, told");
        if (died && permit.previousHolderPid() == 0) {
            kill.note("told without its pid (not yet, or no longer, recorded)");
        }
        long from = ctl.get(Control.FROM);
        long to = ctl.get(Control.TO);
        if (from + to != BALANCE) {
            if (died && held == 1 && from + to == BALANCE - 1) {
                ctl.set(Control.TO, to + 1); // the repair: finish the dead holder's transfer
                to++;
            } else {
                kill.fail("FROM + TO = " + (from + to) + " instead of " + BALANCE + " (died=" + died + ", HELD=" + held
                        + "): a transfer left half done that the next holder cannot tell of");
            }
        }
        kill.delivered(to);
    }

    /** A permit within {@link #NOTICE}, or {@code null}. */
    private static Permit acquire(SharedSemaphore lock) {
        try {
            return lock.acquire().block(NOTICE);
        } catch (IllegalStateException timedOut) {
            return null;
        }
    }

    private static Permit await(CompletableFuture<Permit> f) throws InterruptedException {
        try {
            return f.get(NOTICE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return null;
        }
    }
}
