package io.interflux.benchmarks;

import io.interflux.shm.SharedSemaphore;
import io.interflux.shm.SharedValues;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Locks and counters shared between processes: the Interflux {@link SharedSemaphore} lock and
 * {@link SharedValues} counter against a raw blocking {@code semop} loop on a System V semaphore
 * ({@link SysVSemaphore}, {@code jnr-blocking-semop}), against {@link ReentrantLock} in one JVM
 * (a reference: what a lock costs when it need not cross processes), and against Python's
 * {@code multiprocessing.Value} with its lock ({@link PythonCounter}). Every loop runs for
 * {@link BenchmarkConfig#secondsPerRound} and counts what it did ({@link SyncLoops}); rates are
 * the median round. The size column names the processes and the Interflux path:
 *
 * <ul>
 *   <li>({@code sync}, {@code 1proc}, {@code lock_ops_per_s}): one process taking and giving back
 *       the lock in a loop, the path a user writes first:
 *       {@code Flux.range(..).concatMap(i -> lock.withPermit(Mono.just(i)))}; against
 *       {@code jnr-blocking-semop} (-1 then +1 with {@code SEM_UNDO}) and {@code reentrantlock}.</li>
 *   <li>({@code sync}, {@code 1proc-try}, ...): the same, tuned: {@code lock.tryAcquire()} and
 *       {@code permit.release()} on the calling thread.</li>
 *   <li>({@code sync}, {@code 2proc} and {@code 2proc-try}, {@code lock_ops_per_s}): this JVM and a
 *       {@link SyncPeer} child both looping on the same lock over the same window, total
 *       operations per second; against two processes doing blocking {@code semop} on one
 *       semaphore ({@code jnr-blocking-semop}) and two threads of one JVM on one
 *       {@code ReentrantLock} ({@code reentrantlock-2threads}). A waiting {@code withPermit}
 *       retries on a timer with a backoff, and {@code tryAcquire} spins, so neither queues as
 *       the kernel's {@code semop} does: how the operations split between the two processes is
 *       logged per round.</li>
 *   <li>({@code sync}, {@code 2proc-atomic} and {@code 2proc-locked}, {@code increments_per_s}):
 *       both processes incrementing one shared counter, with {@code counter.getAndAdd(1)}, or
 *       with {@code counter.racyAdd(1)} inside {@code lock.withPermit}; against two Python
 *       processes doing {@code with v.get_lock(): v.value += 1} on a
 *       {@code multiprocessing.Value('i')} ({@code python-mp-value-lock}). Every round checks that
 *       the counter ends at exactly the sum of both processes' increments (the run fails
 *       otherwise) and logs it.</li>
 * </ul>
 *
 * All rows are reported: no target is set. Interflux and its baselines alternate round by round
 * ({@link Interleaved}), after a warm-up round of {@value #WARMUP_SECONDS} s per loop; each side of
 * a round runs its loops one after the other. Besides the rates, the log shows per round the CPU
 * time per operation of both processes together and how many cores they kept busy (from
 * {@code /proc/<pid>/stat}, 10 ms ticks): a waiter that polls, as Interflux's do, costs CPU
 * where a blocking {@code semop} sleeps.
 */
public final class SyncBenchmark implements MechanismBenchmark {

    static final String MECHANISM = "sync";
    static final String SEMOP = "jnr-blocking-semop";
    static final String PYTHON = "python-mp-value-lock";
    /** How long before a two-process window opens the peer is told of it: ample for it to read the command. */
    private static final long START_DELAY_NANOS = 20_000_000;
    private static final double WARMUP_SECONDS = 0.5;

    @Override
    public String name() {
        return MECHANISM;
    }

    @Override
    public List<Target> run(BenchmarkConfig config) throws Exception {
        SyncSetup.removeStale();
        List<Target> targets = new ArrayList<>();
        try (SyncSetup setup = SyncSetup.open()) {
            targets.addAll(oneProcess(setup, config));
            targets.addAll(twoProcesses(setup, config));
            targets.addAll(increments(setup, config));
        }
        return targets;
    }

    /**
     * Operations of this process and of the peer (0 when alone) in a window of {@code nanos}, and
     * the CPU time both used meanwhile, in clock ticks of 10 ms.
     */
    static final class Split {
        final long mine;
        final long theirs;
        final long nanos;
        final long cpuTicks;

        Split(long mine, long theirs, long nanos, long cpuTicks) {
            this.mine = mine;
            this.theirs = theirs;
            this.nanos = nanos;
            this.cpuTicks = cpuTicks;
        }

        /** How many cores were busy on average: CPU time over the window. */
        double cores() {
            return cpuTicks * 1e7 / nanos;
        }

        /** CPU time per operation, both processes together, in microseconds. */
        double cpuMicrosPerOp() {
            return cpuTicks * 1e4 / Math.max(1, mine + theirs);
        }

        double rate() {
            return (mine + theirs) / (nanos / 1e9);
        }

        /** This process's share, in percent. */
        double share() {
            return 100.0 * mine / Math.max(1, mine + theirs);
        }
    }

    /** A loop between two instants. */
    @FunctionalInterface
    private interface Loop {
        SyncLoops.Count run(long start, long end);
    }

    /** Several measurements, one after the other, as one side of an interleaved round. */
    @FunctionalInterface
    private interface Measure {
        Split run(double seconds) throws Exception;
    }

    private static Interleaved.Side<List<Split>> side(double seconds, List<Measure> measures) {
        return () -> {
            List<Split> splits = new ArrayList<>();
            for (Measure m : measures) {
                splits.add(m.run(seconds));
            }
            return splits;
        };
    }

    private static Interleaved<List<Split>> interleave(BenchmarkConfig config, List<Measure> interflux,
                                                       List<Measure> baselines) throws Exception {
        Interleaved.run(1, side(WARMUP_SECONDS, interflux), side(WARMUP_SECONDS, baselines));
        return Interleaved.run(config.rounds, side(config.secondsPerRound, interflux),
                side(config.secondsPerRound, baselines));
    }

    private static List<Target> oneProcess(SyncSetup s, BenchmarkConfig config) throws Exception {
        ReentrantLock reentrant = new ReentrantLock();
        List<Measure> interflux = List.of(alone((a, b) -> SyncLoops.withPermit(s.lock, a, b)),
                alone((a, b) -> SyncLoops.tryAcquire(s.lock, a, b)));
        List<Measure> baselines = List.of(alone((a, b) -> SyncLoops.semop(s.semop, a, b)),
                alone((a, b) -> SyncLoops.reentrantLock(reentrant, a, b)));
        PipeBenchmark.log("sync, one process: lock and unlock in a loop, %.1f s per loop", config.secondsPerRound);
        Interleaved<List<Split>> r = interleave(config, interflux, baselines);
        logRates(r, List.of("withPermit", "tryAcquire"), List.of(SEMOP, "reentrantlock"));
        logCpu(r, List.of("withPermit", "tryAcquire"), List.of(SEMOP, "reentrantlock"));
        return rows(r, List.of("1proc", "1proc-try"), "lock_ops_per_s", List.of(SEMOP, "reentrantlock"), "ops/s");
    }

    private static List<Target> twoProcesses(SyncSetup s, BenchmarkConfig config) throws Exception {
        ReentrantLock reentrant = new ReentrantLock();
        List<Measure> interflux = List.of(
                withPeer(s, "lock permit", (a, b) -> SyncLoops.withPermit(s.lock, a, b)),
                withPeer(s, "lock try", (a, b) -> SyncLoops.tryAcquire(s.lock, a, b)));
        List<Measure> baselines = List.of(
                withPeer(s, "lock semop", (a, b) -> SyncLoops.semop(s.semop, a, b)),
                twoThreads((a, b) -> SyncLoops.reentrantLock(reentrant, a, b)));
        PipeBenchmark.log("sync, two processes on one lock: this JVM and the peer lock and unlock in a loop over"
                + " the same %.1f s", config.secondsPerRound);
        Interleaved<List<Split>> r = interleave(config, interflux, baselines);
        List<String> names = List.of("withPermit", "tryAcquire");
        List<String> baselineNames = List.of(SEMOP, "reentrantlock-2threads");
        logRates(r, names, baselineNames);
        logSplits(r, names, baselineNames);
        logCpu(r, names, baselineNames);
        return rows(r, List.of("2proc", "2proc-try"), "lock_ops_per_s", baselineNames, "ops/s");
    }

    private static List<Target> increments(SyncSetup s, BenchmarkConfig config) throws Exception {
        PythonCounter python = new PythonCounter();
        List<Measure> interflux = List.of(
                counted(s, "atomic", withPeer(s, "inc atomic", (a, b) -> SyncLoops.atomicIncrements(s.counter, a, b))),
                counted(s, "locked", withPeer(s, "inc locked",
                        (a, b) -> SyncLoops.lockedIncrements(s.lock, s.counter, a, b))));
        Measure pythons = seconds -> {
            PythonCounter.Run run = python.run(seconds);
            checkTotal(PYTHON, run.total, run.first, run.second);
            return new Split(run.first, run.second, run.nanos, run.cpuTicks);
        };
        PipeBenchmark.log("sync, two processes incrementing one counter for %.1f s: getAndAdd(1), racyAdd(1) under"
                + " withPermit, and %s %s", config.secondsPerRound, PythonCounter.PYTHON, PYTHON);
        // warm the Java loops only: a Python round is the same every time
        side(WARMUP_SECONDS, interflux).measure();
        Interleaved<List<Split>> r = Interleaved.run(config.rounds, side(config.secondsPerRound, interflux),
                side(config.secondsPerRound, List.of(pythons)));
        List<String> names = List.of("getAndAdd", "withPermit+racyAdd");
        logRates(r, names, List.of(PYTHON));
        logSplits(r, names, List.of(PYTHON));
        logCpu(r, names, List.of(PYTHON));
        return rows(r, List.of("2proc-atomic", "2proc-locked"), "increments_per_s", List.of(PYTHON), "inc/s");
    }

    /** One loop in this JVM alone. */
    private static Measure alone(Loop loop) {
        return seconds -> {
            long cpu = cpuTicks();
            long start = System.nanoTime();
            SyncLoops.Count c = loop.run(start, start + (long) (seconds * 1e9));
            return new Split(c.ops, 0, c.endNanos - start, cpuTicks() - cpu);
        };
    }

    /** The same loop in this JVM and in the peer ({@code command}), over the same window. */
    private static Measure withPeer(SyncSetup s, String command, Loop loop) {
        return seconds -> {
            long peer = s.peer.process.pid();
            long cpu = cpuTicks() + ShmBenchmark.cpuTicks(peer);
            long start = System.nanoTime() + START_DELAY_NANOS;
            long end = start + (long) (seconds * 1e9);
            s.peer.start(command + " " + start + " " + end);
            SyncLoops.Count mine = loop.run(start, end);
            SyncLoops.Count theirs = SyncLoops.Count.parse(s.peer.awaitPrefixed("result "));
            s.peer.awaitDone();
            return new Split(mine.ops, theirs.ops, Math.max(mine.endNanos, theirs.endNanos) - start,
                    cpuTicks() + ShmBenchmark.cpuTicks(peer) - cpu);
        };
    }

    /** The same loop on this thread and on another thread of this JVM, over the same window. */
    private static Measure twoThreads(Loop loop) {
        return seconds -> {
            long cpu = cpuTicks();
            long start = System.nanoTime() + START_DELAY_NANOS;
            long end = start + (long) (seconds * 1e9);
            CompletableFuture<SyncLoops.Count> other = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    other.complete(loop.run(start, end));
                } catch (Throwable e) {
                    other.completeExceptionally(e);
                }
            }, "sync-bench-second-thread");
            t.start();
            SyncLoops.Count mine = loop.run(start, end);
            SyncLoops.Count theirs = other.get(SyncLoops.LIMIT.toSeconds(), TimeUnit.SECONDS);
            return new Split(mine.ops, theirs.ops, Math.max(mine.endNanos, theirs.endNanos) - start,
                    cpuTicks() - cpu);
        };
    }

    /** The CPU time this JVM has used, in clock ticks of 10 ms. */
    private static long cpuTicks() throws java.io.IOException {
        return ShmBenchmark.cpuTicks(ProcessHandle.current().pid());
    }

    /** {@code measure} on a counter set to 0 first, whose end value must be every increment made. */
    private static Measure counted(SyncSetup s, String what, Measure measure) {
        return seconds -> {
            s.counter.set(0);
            Split split = measure.run(seconds);
            checkTotal(what, s.counter.get(), split.mine, split.theirs);
            return split;
        };
    }

    private static void checkTotal(String what, long total, long mine, long theirs) {
        boolean exact = total == mine + theirs;
        PipeBenchmark.log("  %s: counter %d, increments %d + %d = %d, %s", what, total, mine, theirs, mine + theirs,
                exact ? "exact" : "LOST " + (mine + theirs - total));
        if (!exact) {
            throw new IllegalStateException(what + ": the counter ended at " + total + " after " + (mine + theirs)
                    + " increments");
        }
    }

    /** One row per (Interflux path, baseline), from the median rounds. */
    private static List<Target> rows(Interleaved<List<Split>> r, List<String> sizes, String metric,
                                     List<String> baselines, String unit) {
        List<Target> targets = new ArrayList<>();
        for (int i = 0; i < sizes.size(); i++) {
            for (int j = 0; j < baselines.size(); j++) {
                targets.add(Target.reported(new Result(MECHANISM, sizes.get(i), metric, median(r.interflux, i),
                        median(r.baseline, j), baselines.get(j), unit)));
            }
        }
        return targets;
    }

    private static double median(List<List<Split>> rounds, int i) {
        return Samples.of(values(rounds, i, Split::rate)).median();
    }

    private static List<Double> values(List<List<Split>> rounds, int i, Function<Split, Double> f) {
        List<Double> v = new ArrayList<>();
        for (List<Split> round : rounds) {
            v.add(f.apply(round.get(i)));
        }
        return v;
    }

    private static void logRates(Interleaved<List<Split>> r, List<String> names, List<String> baselines) {
        for (int i = 0; i < names.size(); i++) {
            PipeBenchmark.log("  per s, per round: interflux %-20s %s", names.get(i),
                    Samples.list(values(r.interflux, i, Split::rate)));
        }
        for (int j = 0; j < baselines.size(); j++) {
            PipeBenchmark.log("  per s, per round: baseline  %-20s %s", baselines.get(j),
                    Samples.list(values(r.baseline, j, Split::rate)));
        }
    }

    /** The CPU both processes (or this JVM's threads) used per operation, and the cores they kept busy, per round. */
    private static void logCpu(Interleaved<List<Split>> r, List<String> names, List<String> baselines) {
        for (int i = 0; i < names.size(); i++) {
            PipeBenchmark.log("  CPU us per op (cores busy), per round: interflux %-20s %s", names.get(i),
                    cpu(r.interflux, i));
        }
        for (int j = 0; j < baselines.size(); j++) {
            PipeBenchmark.log("  CPU us per op (cores busy), per round: baseline  %-20s %s", baselines.get(j),
                    cpu(r.baseline, j));
        }
    }

    private static String cpu(List<List<Split>> rounds, int i) {
        StringBuilder sb = new StringBuilder("[");
        for (List<Split> round : rounds) {
            Split s = round.get(i);
            sb.append(sb.length() > 1 ? " " : "").append(String.format(Locale.ROOT, "%.3g (%.2f)", s.cpuMicrosPerOp(),
                    s.cores()));
        }
        return sb.append(']').toString();
    }

    /** How the operations split between the two processes (or threads), per round: this one's share in percent. */
    private static void logSplits(Interleaved<List<Split>> r, List<String> names, List<String> baselines) {
        for (int i = 0; i < names.size(); i++) {
            PipeBenchmark.log("  this process's share %%, per round: interflux %-20s %s", names.get(i),
                    shares(r.interflux, i));
        }
        for (int j = 0; j < baselines.size(); j++) {
            PipeBenchmark.log("  this process's share %%, per round: baseline  %-20s %s", baselines.get(j),
                    shares(r.baseline, j));
        }
    }

    private static String shares(List<List<Split>> rounds, int i) {
        StringBuilder sb = new StringBuilder("[");
        for (List<Split> round : rounds) {
            Split s = round.get(i);
            sb.append(sb.length() > 1 ? " " : "").append(String.format(Locale.ROOT, "%.1f (%d/%d)", s.share(),
                    s.mine, s.theirs));
        }
        return sb.append(']').toString();
    }
}
