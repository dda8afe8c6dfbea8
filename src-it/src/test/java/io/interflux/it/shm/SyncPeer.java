package io.interflux.it.shm;

import io.interflux.Creation;
import io.interflux.testkit.ChildJvm;
import io.interflux.shm.Permit;
import io.interflux.shm.PosixSemaphore;
import io.interflux.shm.SharedLong;
import io.interflux.shm.SharedSemaphore;
import io.interflux.shm.SharedValues;
import reactor.core.Exceptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * The child JVM of the shared values and semaphore integration tests, on values and semaphores
 * the test created, using Interflux itself. The first argument is the mode:
 *
 * <pre>
 * count VALUES LOCK HOW N   prints "ready", waits for slot {@link #START}, then adds 1 to slot
 *                           {@link #TOTAL} N times, HOW: "lock" (a plain read-modify-write,
 *                           {@code racyAdd}, holding LOCK), "atomic" ({@code getAndAdd}, no lock)
 *                           or "racy" ({@code racyAdd}, no lock); prints "done contended C" (how
 *                           often the lock was busy when it tried), exits 0
 * hold VALUES LOCK          takes the lock, starts a transfer of 10 from slot {@link #FROM} to
 *                           {@link #TO} (marks slot {@link #DIRTY}, takes from FROM), prints
 *                           "holding", and waits, holding it, for the end of stdin or SIGKILL
 * halt VALUES LOCK          the same, then ends with Runtime.halt(0) still holding the lock
 * lock-unlock LOCK          takes the lock, prints "took died=D pid=P" from its permit, gives it
 *                           back, exits 0
 * take SEM K                takes K permits, prints "took K", waits for the end of stdin or SIGKILL
 * pool VALUES SEM ROUNDS    prints "ready", waits for slot START, then ROUNDS times: takes a
 *                           permit, counts itself in slot {@link #IN_USE}, raises slot
 *                           {@link #MAX_SEEN} to that count, works a little, counts itself out,
 *                           gives the permit back, counts the round in {@link #ROUNDS_DONE};
 *                           prints "done", exits 0
 * wait SEM                  prints "waiting", waits for a permit and prints "acquired", or
 *                           "failed CLASS MESSAGE" when the acquire fails; exits 0
 * attach VALUES SEM POSIX   opens the three existing objects, prints "attached SEMID PERMITS",
 *                           disposes them, prints "disposed", exits 0
 * stay VALUES SEM           opens the two existing objects, prints "attached SEMID", waits for
 *                           the end of stdin (or SIGKILL), disposes them, prints "disposed", exits 0
 * </pre>
 */
public final class SyncPeer {

    static final Duration WAIT = Duration.ofSeconds(30);

    /** 0 until the test lets the children begin together. */
    static final int START = 0;
    /** count: what the children add to. */
    static final int TOTAL = 1;
    /** hold: 1 while a transfer is half done. */
    static final int DIRTY = 2;
    /** hold: the account a transfer takes from. */
    static final int FROM = 3;
    /** hold: the account a transfer gives to; FROM + TO is constant but for a half-done transfer. */
    static final int TO = 4;
    /** pool: how many processes hold a permit right now. */
    static final int IN_USE = 5;
    /** pool: the most IN_USE has been. */
    static final int MAX_SEEN = 6;
    /** pool: rounds finished, by all processes together. */
    static final int ROUNDS_DONE = 7;
    /** pool: what the work inside adds to. */
    static final int WORK = 8;
    /** Slots a test's values segment needs. */
    static final int SLOTS = 9;
    /** pool: what a holder adds to slot WORK in each round. */
    static final int WORK_PER_ROUND = 200;
    /** hold: what a transfer moves. */
    static final long AMOUNT = 10;

    private SyncPeer() {
    }

    /** A child JVM running {@code SyncPeer args}, with the flags every JVM that maps shared values needs. */
    static ChildJvm jvm(String... args) {
        List<String> options = new ArrayList<>(ChildJvm.DEFAULT_JVM_OPTIONS);
        options.add("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED");
        options.add("--enable-native-access=ALL-UNNAMED");
        return ChildJvm.of(SyncPeer.class, args).jvmOptions(options.toArray(new String[0]));
    }

    static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    public static void main(String[] args) throws IOException {
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        switch (args[0]) {
            case "count":
                count(values(args[1]), args[3].equals("lock") ? semaphore(args[2]) : null, args[3],
                        Long.parseLong(args[4]));
                break;
            case "hold":
            case "halt": {
                SharedValues values = values(args[1]);
                SharedSemaphore lock = semaphore(args[2]);
                Permit permit = lock.acquire().block(WAIT);
                values.longValue(DIRTY).set(1);
                values.longValue(FROM).addAndGet(-AMOUNT);
                // the matching addition to TO never comes
                say("holding");
                if (args[0].equals("halt")) {
                    Runtime.getRuntime().halt(0);
                }
                drain(stdin);
                permit.release();
                break;
            }
            case "lock-unlock": {
                SharedSemaphore lock = semaphore(args[1]);
                Permit permit = lock.acquire().block(WAIT);
                say("took died=" + permit.previousHolderDied() + " pid=" + permit.previousHolderPid());
                permit.release();
                lock.dispose();
                break;
            }
            case "take": {
                SharedSemaphore semaphore = semaphore(args[1]);
                int k = Integer.parseInt(args[2]);
                for (int i = 0; i < k; i++) {
                    semaphore.acquire().block(WAIT);
                }
                say("took " + k);
                drain(stdin);
                break;
            }
            case "pool":
                pool(values(args[1]), semaphore(args[2]), Integer.parseInt(args[3]));
                break;
            case "wait": {
                SharedSemaphore semaphore = semaphore(args[1]);
                say("waiting");
                try {
                    semaphore.acquire().block(WAIT);
                    say("acquired");
                } catch (RuntimeException e) {
                    Throwable t = Exceptions.unwrap(e);
                    say("failed " + t.getClass().getSimpleName() + " " + t.getMessage());
                }
                break;
            }
            case "attach": {
                SharedValues values = values(args[1]);
                SharedSemaphore semaphore = semaphore(args[2]);
                PosixSemaphore posix = PosixSemaphore.named(args[3]).creation(Creation.OPEN_EXISTING).openNow(WAIT);
                say("attached " + semaphore.id() + " " + semaphore.permits());
                posix.dispose();
                semaphore.dispose();
                values.dispose();
                say("disposed");
                break;
            }
            case "stay": {
                SharedValues values = values(args[1]);
                SharedSemaphore semaphore = semaphore(args[2]);
                say("attached " + semaphore.id());
                drain(stdin);
                semaphore.dispose();
                values.dispose();
                say("disposed");
                break;
            }
            default:
                throw new IllegalArgumentException("unknown mode " + args[0]);
        }
        System.exit(0);
    }

    private static SharedValues values(String name) {
        return SharedValues.named(name).creation(Creation.OPEN_EXISTING).openNow(WAIT);
    }

    private static SharedSemaphore semaphore(String name) {
        return SharedSemaphore.named(name).creation(Creation.OPEN_EXISTING).openNow(WAIT);
    }

    /**
     * Waits until the test sets slot START, without taking a core from JVMs still starting: it
     * parks 50 microseconds between looks, so children start within that of each other.
     */
    private static void awaitStart(SharedValues values) {
        SharedLong start = values.longValue(START);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (start.get() == 0) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("not started within " + WAIT);
            }
            LockSupport.parkNanos(50_000);
        }
    }

    private static void count(SharedValues values, SharedSemaphore lock, String how, long n) {
        SharedLong total = values.longValue(TOTAL);
        long contended = 0;
        say("ready");
        awaitStart(values);
        for (long i = 0; i < n; i++) {
            switch (how) {
                case "lock": {
                    Permit permit = lock.tryAcquire().orElse(null);
                    if (permit == null) {
                        contended++;
                        permit = lock.acquire().block(WAIT);
                    }
                    total.racyAdd(1);
                    permit.release();
                    break;
                }
                case "atomic":
                    total.getAndAdd(1);
                    break;
                case "racy":
                    total.racyAdd(1);
                    break;
                default:
                    throw new IllegalArgumentException("unknown way to count " + how);
            }
        }
        say("done contended " + contended);
    }

    private static void pool(SharedValues values, SharedSemaphore semaphore, int rounds) {
        SharedLong done = values.longValue(ROUNDS_DONE);
        say("ready");
        awaitStart(values);
        for (int r = 0; r < rounds; r++) {
            Permit permit = semaphore.acquire().block(WAIT);
            countIn(values);
            // holding the permit off the CPU for a moment lets the other holders overlap with this one
            LockSupport.parkNanos(200_000);
            countOut(values);
            permit.release();
            done.getAndAdd(1);
        }
        say("done");
    }

    /**
     * pool, holding a permit: counts this holder in to slot IN_USE, raises slot MAX_SEEN to the
     * count, and adds 1 to slot WORK {@link #WORK_PER_ROUND} times.
     */
    static void countIn(SharedValues values) {
        SharedLong maxSeen = values.longValue(MAX_SEEN);
        long current = values.longValue(IN_USE).addAndGet(1);
        for (long seen = maxSeen.get(); current > seen && !maxSeen.compareAndSet(seen, current); ) {
            seen = maxSeen.get();
        }
        SharedLong work = values.longValue(WORK);
        for (int k = 0; k < WORK_PER_ROUND; k++) {
            work.getAndAdd(1);
        }
    }

    /** pool, still holding the permit: counts this holder out of slot IN_USE. */
    static void countOut(SharedValues values) {
        values.longValue(IN_USE).addAndGet(-1);
    }

    /** Blocks the main thread, holding no CPU, until stdin ends. */
    private static void drain(BufferedReader stdin) throws IOException {
        while (stdin.readLine() != null) {
            // nothing is expected on stdin: it only ends
        }
    }
}
