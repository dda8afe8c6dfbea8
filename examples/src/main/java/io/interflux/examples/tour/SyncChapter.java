package io.interflux.examples.tour;

import io.interflux.Creation;
import io.interflux.shm.Permit;
import io.interflux.shm.SharedLong;
import io.interflux.shm.SharedSemaphore;
import io.interflux.shm.SharedValues;
import reactor.core.publisher.Mono;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Shared values and a lock across processes: the classic two processes adding to one counter,
 * with a lock, with an atomic add and with neither, side by side; then a holder killed while
 * it holds the lock, and the survivor going on.
 */
public final class SyncChapter implements Chapter {

    private static final Duration LIMIT = Duration.ofSeconds(30);
    /** Adds per process under the lock: the seed's example. */
    private static final int LOCKED_ADDS = 1_000;
    /** Adds per process without a lock: enough that the two processes overlap. */
    private static final int ADDS = 1_000_000;

    private static final int LOCKED = 0;
    private static final int ATOMIC = 1;
    private static final int RACY = 2;
    private static final int READY = 3;
    private static final int GO = 4;
    private static final int HALF_DONE = 5;
    private static final int NANOS = 6;

    @Override
    public String title() {
        return "Shared values, locks and semaphores";
    }

    @Override
    public Row run(PrintStream out) throws Exception {
        String name = "/interflux-tour-" + ProcessHandle.current().pid() + "-sync";
        SharedValues values = SharedValues.named(name).slots(8).creation(Creation.CREATE_NEW).openNow(LIMIT);
        SharedSemaphore lock = SharedSemaphore.lock(name + "-lock").creation(Creation.CREATE_NEW).openNow(LIMIT);
        try {
            out.println("   values " + values.path() + ", lock " + lock.path() + " (System V set " + lock.id()
                    + ", SEM_UNDO): two child JVMs add to three counters at once");
            List<Process> adders = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                adders.add(new ProcessBuilder(SignalChapter.javaCommand(Adder.class, name))
                        .redirectError(ProcessBuilder.Redirect.INHERIT).start());
            }
            try {
                SharedLong ready = values.longValue(READY);
                long deadline = System.nanoTime() + LIMIT.toNanos();
                while (ready.get() < 2 && System.nanoTime() < deadline) {
                    TimeUnit.MILLISECONDS.sleep(5); // a main method waiting for two JVMs to start
                }
                values.longValue(GO).set(1);
                for (Process p : adders) {
                    if (!p.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
                        throw new IllegalStateException("an adder JVM did not finish");
                    }
                }
            } finally {
                adders.forEach(Process::destroyForcibly);
            }
            long locked = values.longValue(LOCKED).get();
            long atomic = values.longValue(ATOMIC).get();
            long racy = values.longValue(RACY).get();
            double atomicRate = 2.0 * ADDS / (values.longValue(NANOS).get() / 2 / 1e9);
            out.printf("   %-34s %,11d of %,11d%n", "plain add under the lock", locked, 2 * LOCKED_ADDS);
            out.printf("   %-34s %,11d of %,11d%n", "atomic getAndAdd, no lock", atomic, 2L * ADDS);
            out.printf("   %-34s %,11d of %,11d  (%,d additions lost to the race)%n", "plain add, no lock (racyAdd)",
                    racy, 2L * ADDS, 2L * ADDS - racy);
            if (locked != 2 * LOCKED_ADDS || atomic != 2L * ADDS) {
                throw new IllegalStateException("the lock or the atomic add lost an addition");
            }

            long handOff = killTheHolder(out, name, values, lock);
            double lockRate = lockOpsPerSecond(lock);
            out.printf("   lock acquire + release in this JVM, uncontended: %,.0f per second%n", lockRate);
            return new Row("shared values + locks", String.format("%,.0f atomic adds/s, %,.0f lock ops/s",
                    atomicRate, lockRate), String.format("%d ms lock recovery after SIGKILL", handOff),
                    "64/32-bit integers, permits", "any process, any direction",
                    "counters, flags and mutual exclusion that survive a crash");
        } finally {
            lock.dispose();
            values.dispose();
        }
    }

    /** A child takes the lock, marks the data half-updated and is killed; we take over and repair. */
    private static long killTheHolder(PrintStream out, String name, SharedValues values, SharedSemaphore lock)
            throws Exception {
        Process holder = new ProcessBuilder(SignalChapter.javaCommand(Holder.class, name))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            if (!"holding".equals(lines.readLine())) {
                throw new IllegalStateException("the holder JVM did not take the lock");
            }
            out.println("   child pid " + holder.pid() + " holds the lock and has half-updated the data: killing it (SIGKILL)");
            long t0 = System.nanoTime();
            holder.destroyForcibly(); // SIGKILL: no handler, no finally, no release
            Permit permit = lock.acquire().block(LIMIT);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            try {
                out.println("   we got the lock " + ms + " ms later; previous holder died: " + permit.previousHolderDied()
                        + " (pid " + permit.previousHolderPid() + ")");
                if (permit.previousHolderDied() && values.longValue(HALF_DONE).get() == 1) {
                    values.longValue(HALF_DONE).set(0);
                    out.println("   so we repaired the half-updated data and went on");
                }
            } finally {
                permit.release();
            }
            return ms;
        } finally {
            holder.destroyForcibly();
            holder.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    private static double lockOpsPerSecond(SharedSemaphore lock) {
        int ops = 20_000;
        for (int round = 0; round < 2; round++) { // the first round warms up
            long t0 = System.nanoTime();
            for (int i = 0; i < ops; i++) {
                lock.acquire().block(LIMIT).release();
            }
            if (round == 1) {
                return ops / ((System.nanoTime() - t0) / 1e9);
            }
        }
        throw new AssertionError();
    }

    /** A child: waits for the go, then adds racily, atomically and under the lock. */
    public static final class Adder {

        private Adder() {
        }

        /**
         * Adds to the three counters.
         *
         * @param args the values' name; the lock is that name with {@code -lock}
         */
        public static void main(String[] args) {
            SharedValues values = SharedValues.named(args[0]).creation(Creation.OPEN_EXISTING).openNow(LIMIT);
            SharedSemaphore lock = SharedSemaphore.lock(args[0] + "-lock").creation(Creation.OPEN_EXISTING).openNow(LIMIT);
            SharedLong racy = values.longValue(RACY);
            SharedLong atomic = values.longValue(ATOMIC);
            SharedLong locked = values.longValue(LOCKED);
            values.longValue(READY).getAndAdd(1);
            SharedLong go = values.longValue(GO);
            long deadline = System.nanoTime() + LIMIT.toNanos();
            while (go.get() == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            for (int i = 0; i < ADDS; i++) {
                racy.racyAdd(1);
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < ADDS; i++) {
                atomic.getAndAdd(1);
            }
            values.longValue(NANOS).getAndAdd(System.nanoTime() - t0);
            for (int i = 0; i < LOCKED_ADDS; i++) {
                lock.withPermit(Mono.fromRunnable(() -> locked.racyAdd(1))).blockLast(LIMIT);
            }
            lock.dispose();
            values.dispose();
            System.exit(0);
        }
    }

    /** A child: takes the lock, marks the data half-updated, says so, and waits to be killed. */
    public static final class Holder {

        private Holder() {
        }

        /**
         * Holds the lock until killed.
         *
         * @param args the values' name; the lock is that name with {@code -lock}
         */
        public static void main(String[] args) throws Exception {
            SharedValues values = SharedValues.named(args[0]).creation(Creation.OPEN_EXISTING).openNow(LIMIT);
            SharedSemaphore lock = SharedSemaphore.lock(args[0] + "-lock").creation(Creation.OPEN_EXISTING).openNow(LIMIT);
            lock.acquire().block(LIMIT);
            values.longValue(HALF_DONE).set(1);
            System.out.println("holding");
            System.out.flush();
            while (System.in.read() >= 0) {
                // killed here
            }
            System.exit(1);
        }
    }
}
