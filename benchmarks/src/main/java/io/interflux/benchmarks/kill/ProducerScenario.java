package io.interflux.benchmarks.kill;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * A victim that produces the numbers 0, 1, 2, ... into the mechanism and the Interflux side that
 * receives them, killed at the kill's point. After the death (the victim reaped with status 137)
 * the receiver takes whatever the kernel kept; its reaction is the end of the stream where the
 * mechanism ends with its writer (pipes, FIFOs, stream sockets), or the arrival of the
 * campaign's {@link Sequence#END} marker sent after the death where it outlives it (queues,
 * rings): then everything the victim put in has been drained. What arrived must be 0 .. k-1 in
 * order with {@code COUNT <= k <= COUNT + 1} (see {@link Control#COUNT}), unless the mechanism
 * documents a loss ({@link Side#lostByDesign()}).
 */
abstract class ProducerScenario implements Scenario {

    /**
     * One kill's Interflux side and victim, opened by {@link #open(Kill)}, which tracks
     * what it opens and starts in the kill ({@link Kill#track}, {@link Kill#victim}).
     */
    abstract static class Side {
        Victim victim;
        Flux<String> values;

        /** The end marker, sent after the death; {@code null} where the stream ends with its writer. */
        Mono<Void> marker() {
            return null;
        }

        /** What is wrong with how the stream ended, or {@code null}. Only completion is right by default. */
        String wrongEnd(Optional<Throwable> end) {
            return end.map(e -> "the stream failed with " + e + " instead of completing").orElse(null);
        }

        /** Values lost in the mechanism's documented window. */
        long lostByDesign() {
            return 0;
        }

        /** What is wrong with {@code k} values delivered when the victim counted {@code count} accepted, or {@code null}. */
        String windowProblem(long k, long count) {
            if (k < count) {
                return "lost: the kernel accepted " + count + " values (the victim's count), " + k + " were delivered";
            }
            if (k > count + 1) {
                return "delivered " + k + " values, more than the victim can have written (" + count + " counted, + 1)";
            }
            return null;
        }
    }

    /**
     * Opens the Interflux side and starts (or takes) the victim, tracking both in {@code kill}; the
     * victim then opens its end and stores READY.
     */
    abstract Side open(Kill kill) throws Exception;

    @Override
    public final void run(Kill kill) throws Exception {
        Control ctl = kill.ctl;
        Sequence seq = new Sequence(kill.point.initialDemand(), kill.point.reachAt());
        try {
            Side side = open(kill);
            ctl.set(Control.OBJECTS, 1);
            Victim victim = side.victim;
            if (ctl.awaitSet(Control.READY, START, victim::alive) == 0) {
                kill.fail(victim + " never got ready (alive=" + victim.alive() + "): " + victim.stderr());
                return;
            }
            side.values.subscribe(seq);
            ctl.set(Control.GO, 1);
            long killedAt = killAtPoint(kill, seq, victim);
            if (killedAt == 0) {
                return;
            }
            long count = ctl.get(Control.COUNT);
            seq.requestAll();
            react(kill, side, seq, killedAt, count);
        } finally {
            seq.dispose();
            kill.releaseAll();
        }
    }

    /**
     * Waits for the kill's point in {@code seq}'s values (or its delay), kills {@code victim} and
     * waits until it is reaped: the instant of the kill ({@link System#nanoTime()}), or 0 when the
     * point was never reached (a failure of the kill).
     */
    static long killAtPoint(Kill kill, Sequence seq, Victim victim) {
        if (kill.point.reachAt() > 0 && !seq.awaitReached(REACH)) {
            kill.fail("the kill point was never reached: " + seq.received() + " of " + kill.point.items
                    + " values arrived (stream ended: " + seq.awaitEnd(Duration.ZERO) + ", victim alive="
                    + victim.alive() + "): " + victim.stderr());
            return 0;
        }
        if (kill.point.mode != KillPoint.Mode.FLOWING) {
            // the kill point itself, not a synchronisation: the victim runs on (or fills the object) meanwhile
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(kill.point.delayMicros));
        }
        long killedAt = System.nanoTime();
        victim.kill();
        int status = victim.awaitExit(DEATH);
        if (status != Victim.KILLED) {
            kill.fail(victim + " ended with status " + status + ", not 137 (SIGKILL): " + victim.stderr());
        }
        return killedAt;
    }

    private static void react(Kill kill, Side side, Sequence seq, long killedAt, long count) {
        Mono<Void> marker = side.marker();
        Supplier<String> progress = () -> seq.received() + " values received, " + count + " accepted";
        if (marker != null) {
            AtomicReference<Throwable> sendFailed = new AtomicReference<>();
            marker.subscribe(null, sendFailed::set);
            Long at = seq.awaitMarker(NOTICE);
            if (at != null) {
                kill.noticed(at - killedAt);
                kill.note("drained");
            } else {
                Optional<Throwable> end = seq.awaitEnd(Duration.ZERO);
                kill.fail(end != null ? "the stream ended (" + end.map(Throwable::toString).orElse("completed")
                        + ") before the end marker; " + progress.get()
                        : "hang: the end marker sent after the death had not arrived " + NOTICE.toSeconds() + " s later; "
                        + progress.get() + (sendFailed.get() != null ? "; its send failed: " + sendFailed.get() : ""));
            }
        } else {
            Optional<Throwable> end = seq.awaitEnd(NOTICE);
            if (end == null) {
                kill.fail("hang: the stream had not ended " + NOTICE.toSeconds() + " s after the kill; " + progress.get());
            } else {
                kill.noticed(seq.endNanos() - killedAt);
                kill.note("ended " + end.map(e -> e.getClass().getSimpleName()).orElse("complete"));
                String wrong = side.wrongEnd(end);
                if (wrong != null) {
                    kill.fail(wrong + "; " + progress.get());
                }
            }
        }
        long k = seq.received();
        if (!seq.violations().isEmpty()) {
            kill.fail(seq.violations());
        }
        kill.delivered(k);
        kill.lostByDesign(side.lostByDesign());
        String window = side.windowProblem(k, count);
        if (window != null) {
            kill.fail(window);
        }
    }
}
