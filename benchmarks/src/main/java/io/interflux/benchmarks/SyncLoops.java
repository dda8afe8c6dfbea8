package io.interflux.benchmarks;

import io.interflux.shm.Permit;
import io.interflux.shm.SharedLong;
import io.interflux.shm.SharedSemaphore;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The timed loops of the sync benchmark, run alike by this JVM and by its {@link SyncPeer}: each
 * waits until {@code start} on {@link System#nanoTime()} (on Linux the system-wide
 * {@code CLOCK_MONOTONIC}, so two JVMs given the same instants start and stop together), repeats
 * its operation until {@code end}, and says how many it did and when it stopped. The clock is read
 * every {@value #CHECK_EVERY} operations, in every loop alike, so that reading it costs little
 * beside the cheapest operation (an uncontended {@code ReentrantLock}).
 */
final class SyncLoops {

    static final int CHECK_EVERY = 64;
    static final Duration LIMIT = Duration.ofSeconds(60);

    /** What one loop did: {@code ops} operations, stopping at {@code endNanos}. */
    static final class Count {
        final long ops;
        final long endNanos;

        Count(long ops, long endNanos) {
            this.ops = ops;
            this.endNanos = endNanos;
        }

        /** As the peer prints it after {@code result }. */
        String line() {
            return ops + " " + endNanos;
        }

        static Count parse(String line) {
            String[] f = line.trim().split(" ");
            return new Count(Long.parseLong(f[0]), Long.parseLong(f[1]));
        }
    }

    private SyncLoops() {
    }

    /**
     * The path a user writes first: permits as a reactive chain,
     * {@code Flux.range(...).concatMap(i -> lock.withPermit(Mono.just(i)))}; a waiting acquire
     * retries on Reactor's parallel timer while this thread waits in {@code block}.
     */
    static Count withPermit(SharedSemaphore lock, long start, long end) {
        return timed(start, () -> Flux.range(0, Integer.MAX_VALUE)
                .concatMap(i -> lock.withPermit(Mono.just(i)))
                .takeUntil(i -> i % CHECK_EVERY == CHECK_EVERY - 1 && System.nanoTime() >= end)
                .count()
                .block(LIMIT));
    }

    /**
     * The tuned path: {@code tryAcquire()} then {@code release()} on this thread, spinning
     * ({@link Thread#onSpinWait()}) while another process holds the lock.
     */
    static Count tryAcquire(SharedSemaphore lock, long start, long end) {
        return timed(start, () -> {
            long ops = 0;
            for (long i = 1; ; i++) {
                Optional<Permit> p = lock.tryAcquire();
                if (p.isPresent()) {
                    p.get().release();
                    ops++;
                } else {
                    Thread.onSpinWait();
                }
                if (i % CHECK_EVERY == 0 && System.nanoTime() >= end) {
                    return ops;
                }
            }
        });
    }

    /** The raw baseline: blocking {@code semop} -1 then +1 with {@code SEM_UNDO}. */
    static Count semop(SysVSemaphore sem, long start, long end) {
        return timed(start, () -> {
            for (long ops = 1; ; ops++) {
                sem.acquire();
                sem.release();
                if (ops % CHECK_EVERY == 0 && System.nanoTime() >= end) {
                    return ops;
                }
            }
        });
    }

    /** The in-JVM reference: {@code lock(); unlock();}. */
    static Count reentrantLock(ReentrantLock lock, long start, long end) {
        return timed(start, () -> {
            for (long ops = 1; ; ops++) {
                lock.lock();
                lock.unlock();
                if (ops % CHECK_EVERY == 0 && System.nanoTime() >= end) {
                    return ops;
                }
            }
        });
    }

    /** Atomic increments of a shared slot, no lock: {@code counter.getAndAdd(1)}. */
    static Count atomicIncrements(SharedLong counter, long start, long end) {
        return timed(start, () -> {
            for (long ops = 1; ; ops++) {
                counter.getAndAdd(1);
                if (ops % CHECK_EVERY == 0 && System.nanoTime() >= end) {
                    return ops;
                }
            }
        });
    }

    /**
     * Increments under the lock, as a user writes them:
     * {@code lock.withPermit(Mono.fromCallable(() -> { counter.racyAdd(1); ... }))}, a plain
     * read and write made safe by the permit.
     */
    static Count lockedIncrements(SharedSemaphore lock, SharedLong counter, long start, long end) {
        return timed(start, () -> Flux.range(0, Integer.MAX_VALUE)
                .concatMap(i -> lock.withPermit(Mono.fromCallable(() -> {
                    counter.racyAdd(1);
                    return i;
                })))
                .takeUntil(i -> i % CHECK_EVERY == CHECK_EVERY - 1 && System.nanoTime() >= end)
                .count()
                .block(LIMIT));
    }

    /** What a loop runs, once started; how many operations it did. */
    @FunctionalInterface
    private interface Body {
        Long run();
    }

    private static Count timed(long start, Body body) {
        awaitStart(start);
        long ops = body.run();
        return new Count(ops, System.nanoTime());
    }

    /** Sleeps until a millisecond before {@code start}, then spins, so both processes leave the mark together. */
    static void awaitStart(long start) {
        long left;
        while ((left = start - System.nanoTime()) > 1_000_000) {
            LockSupport.parkNanos(left - 1_000_000);
        }
        while (System.nanoTime() < start) {
            Thread.onSpinWait();
        }
    }
}
