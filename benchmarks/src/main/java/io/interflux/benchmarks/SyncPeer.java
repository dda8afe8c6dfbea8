package io.interflux.benchmarks;

import io.interflux.Creation;
import io.interflux.shm.SharedLong;
import io.interflux.shm.SharedSemaphore;
import io.interflux.shm.SharedValues;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The child JVM of the sync benchmark: the second process of every two-process row. It attaches to
 * the lock, the shared values and the baseline's System V semaphore that {@link SyncSetup}
 * created, says {@code ready}, then runs one command per line of stdin: a {@link SyncLoops} loop
 * between two instants of {@link System#nanoTime()}, answering {@code result OPS END_NANOS} and
 * then {@code ok} (or {@code error: ...}):
 *
 * <pre>
 *  lock permit|try|semop START END   lock.withPermit chain, tryAcquire spin, blocking semop
 *  inc atomic|locked START END       counter.getAndAdd(1), or racyAdd(1) inside lock.withPermit
 *  end                               the parent ends normally, and removes what it created
 * </pre>
 *
 * When stdin ends without {@code end}, or its parent dies, the parent was killed outright: the
 * peer removes what the parent had created ({@link SyncSetup#removeAll(String)}) and ends.
 *
 * <pre>{@code
 * java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp interflux-benchmarks.jar \
 *     io.interflux.benchmarks.SyncPeer ifx-bench-sync-42 98307
 * }</pre>
 */
public final class SyncPeer {

    static final Duration OPEN_LIMIT = Duration.ofSeconds(10);
    /** The parent's last line: it ends normally and removes what it made itself. */
    static final String END = "end";

    private SyncPeer() {
    }

    /** The lock's name: {@code /ifx-bench-sync-42-lock}. */
    static String lockName(String base) {
        return "/" + base + "-lock";
    }

    /** The shared values' name: {@code /ifx-bench-sync-42-values}. */
    static String valuesName(String base) {
        return "/" + base + "-values";
    }

    public static void main(String[] args) throws Exception {
        String base = args[0];
        SysVSemaphore semop = SysVSemaphore.attach(Integer.parseInt(args[1]));
        ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> {
            removeLeftovers(base);
            Runtime.getRuntime().halt(3);
        }));
        SharedSemaphore lock = null;
        SharedValues values = null;
        try {
            lock = SharedSemaphore.lock(lockName(base)).creation(Creation.OPEN_EXISTING).openNow(OPEN_LIMIT);
            values = SharedValues.named(valuesName(base)).creation(Creation.OPEN_EXISTING).openNow(OPEN_LIMIT);
            SharedLong counter = values.longValue(0);
            System.out.println("ready");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.equals(END)) {
                try {
                    String[] cmd = line.trim().split(" ");
                    long start = Long.parseLong(cmd[2]);
                    long end = Long.parseLong(cmd[3]);
                    System.out.println("result " + run(cmd[0] + " " + cmd[1], lock, counter, semop, start, end).line());
                    System.out.println("ok");
                } catch (Exception | Error e) {
                    e.printStackTrace();
                    System.out.println("error: " + e);
                }
            }
            if (line == null) {
                removeLeftovers(base); // stdin closed without an end: the parent died
            }
        } finally {
            if (lock != null) {
                lock.dispose();
            }
            if (values != null) {
                values.dispose();
            }
        }
    }

    /** A parent killed outright cleaned nothing up: its files and sets are removed here. */
    private static void removeLeftovers(String base) {
        try {
            SyncSetup.removeAll(base);
        } catch (Exception | Error e) {
            e.printStackTrace();
        }
    }

    private static SyncLoops.Count run(String what, SharedSemaphore lock, SharedLong counter, SysVSemaphore semop,
                                       long start, long end) {
        switch (what) {
            case "lock permit":
                return SyncLoops.withPermit(lock, start, end);
            case "lock try":
                return SyncLoops.tryAcquire(lock, start, end);
            case "lock semop":
                return SyncLoops.semop(semop, start, end);
            case "inc atomic":
                return SyncLoops.atomicIncrements(counter, start, end);
            case "inc locked":
                return SyncLoops.lockedIncrements(lock, counter, start, end);
            default:
                throw new IllegalArgumentException("unknown command " + what);
        }
    }
}
