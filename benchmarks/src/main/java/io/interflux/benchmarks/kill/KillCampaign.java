package io.interflux.benchmarks.kill;

import io.interflux.shm.SharedValues;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The kill campaign: for each mechanism, a peer process is killed with {@code SIGKILL} at a random
 * point of its work, again and again, and each time the Interflux side must end or go on as
 * documented within a bound, deliver once and in order every value the kernel accepted, and leave
 * nothing behind (descriptors, mappings, named objects, child processes), checked after each kill
 * against what this JVM held before it, and after the mechanism's last kill against what it held
 * before its first.
 *
 * <pre>{@code
 * java -jar benchmarks/target/interflux-benchmarks.jar kill [--kills N] [--seed S] [--index I] [--verbose] [mechanism ...]
 * }</pre>
 *
 * 100 kills per mechanism by default, with a seed from the clock, printed first: every kill point
 * derives from the seed, the mechanism and the kill's index ({@link KillPoint}), so {@code --seed S
 * --index I mechanism} replays one ({@code --verbose} prints a line per kill). Mechanisms: {@value #MECHANISM_LIST}. {@code mvn verify} runs
 * 10 kills of each with a fixed seed ({@code KillCampaignTest}). Exits 1 when anything failed.
 */
public final class KillCampaign implements AutoCloseable {

    static final String MECHANISM_LIST = "pipe, fifo, posix-mq, sysv-mq, shm, sync, unix, tcp, rpc";
    /** Every mechanism, in the order the long form runs them. */
    public static final List<String> MECHANISMS = List.of(MECHANISM_LIST.split(", "));
    /** How long what a kill released may take to be gone. */
    static final Duration GRACE = Duration.ofSeconds(5);

    private final long seed;
    private final Path dir;
    private final String prefix;
    private final Victims victims;
    /** Every System V object a kill created ({@code "msg 42"}), for {@link #close()} to remove one a failed kill left. */
    private final List<String> sysvIds = new ArrayList<>();
    private boolean verbose;

    /** A campaign of {@code seed}, with a fresh directory for its files and a prefix of its own for its names. */
    public KillCampaign(long seed) {
        this.seed = seed;
        try {
            this.dir = Files.createTempDirectory("ifx-kill-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.prefix = "ifx-kill-" + ProcessHandle.current().pid() + "-";
        this.victims = new Victims(dir);
    }

    /** Prints a line per kill: where it fell, how long the Interflux side took, what it found. */
    public KillCampaign verbose(boolean verbose) {
        this.verbose = verbose;
        return this;
    }

    /** Whether the Python producer can run here (the pipe, FIFO, queue and socket mechanisms need it). */
    public boolean hasPython() {
        return victims.hasPython();
    }

    /** Whether {@code mechanism}'s victim is the Python producer. */
    public static boolean needsPython(String mechanism) {
        return List.of("pipe", "fifo", "posix-mq", "sysv-mq", "unix", "tcp").contains(mechanism);
    }

    /** Runs kills {@code first} to {@code last} of {@code mechanism}. */
    public MechanismReport run(String mechanism, int first, int last) {
        MechanismReport report = new MechanismReport(mechanism);
        OsState atStart = OsState.take(prefix, dir);
        SharedValues control = null;
        try (Scenario scenario = scenario(mechanism)) {
            control = Control.create("/" + prefix + mechanism + "-ctl");
            for (int i = first; i <= last; i++) {
                report.add(kill(scenario, control, mechanism, i, last));
            }
        } catch (RuntimeException e) {
            report.failOutside("set-up or tear-down failed: " + e, 0);
        } finally {
            victims.discardWarm();
            if (control != null) {
                control.dispose();
            }
        }
        Map<String, Set<String>> left = OsState.leftSince(atStart, prefix, dir, List.of(), List.of(), GRACE);
        if (!left.isEmpty()) {
            report.failOutside("left behind after its last kill: " + left, left.values().stream().mapToInt(Set::size).sum());
        }
        return report;
    }

    private Kill kill(Scenario scenario, SharedValues control, String mechanism, int index, int last) {
        Kill kill = new Kill(mechanism, index, last, seed, dir, victims, prefix, control);
        scenario.prepare(kill);
        OsState before = OsState.take(prefix, dir);
        long started = System.nanoTime();
        try {
            scenario.run(kill);
        } catch (Exception | AssertionError e) {
            kill.fail("threw " + e);
        } finally {
            kill.releaseAll();
            kill.ctl.clear();
        }
        kill.leftBehind(OsState.leftSince(before, prefix, dir, kill.sysvIds, kill.victimPids, GRACE));
        sysvIds.addAll(kill.sysvIds);
        if (verbose) {
            System.out.printf(Locale.ROOT, "  %s: %.0f ms, noticed after %s, %d delivered, %d lost by design, %s%s%n", kill,
                    (System.nanoTime() - started) / 1e6, kill.noticeNanos() < 0 ? "-" : String.format(Locale.ROOT, "%.1f ms",
                            kill.noticeNanos() / 1e6), kill.delivered(), kill.lostByDesign(),
                    kill.notes().keySet(), kill.failures().isEmpty() ? "" : ", FAILED: " + String.join("; ", kill.failures()));
        }
        return kill;
    }

    private Scenario scenario(String mechanism) {
        switch (mechanism) {
            case "pipe":
                return new PipeKill();
            case "fifo":
                return new FifoKill();
            case "posix-mq":
                return new QueueKill(true);
            case "sysv-mq":
                return new QueueKill(false);
            case "shm":
                return new RingKill();
            case "sync":
                return new LockKill();
            case "unix":
            case "tcp":
                return new SocketKill(mechanism, dir);
            case "rpc":
                return new RpcKill();
            default:
                throw new IllegalArgumentException("unknown mechanism " + mechanism + "; known: " + MECHANISM_LIST);
        }
    }

    /**
     * Kills what is still running and removes the campaign's files, any named object of its prefix
     * and any System V object a kill created, which a failed kill may have left.
     */
    @Override
    public void close() {
        victims.close();
        for (String id : sysvIds) {
            if (OsState.sysvExists(id)) {
                String[] kindAndId = id.split(" ");
                try {
                    new ProcessBuilder("ipcrm", kindAndId[0].equals("msg") ? "-q" : "-s", kindAndId[1])
                            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
                            .waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (IOException e) {
                    // no ipcrm: the object stays, and the failed kill has said so
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        for (Path d : List.of(Path.of("/dev/shm"), Path.of("/dev/mqueue"))) {
            try (Stream<Path> all = Files.list(d)) {
                all.filter(p -> p.getFileName().toString().startsWith(prefix)).forEach(KillCampaign::deleteQuietly);
            } catch (IOException e) {
                // no such mechanism here
            }
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(KillCampaign::deleteQuietly);
        } catch (IOException e) {
            // gone already
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // nothing more to do at the end of a campaign
        }
    }

    public static void main(String[] args) {
        int kills = 100;
        long seed = System.currentTimeMillis();
        int only = -1;
        boolean verbose = false;
        List<String> mechanisms = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--kills":
                    kills = Integer.parseInt(args[++i]);
                    break;
                case "--seed":
                    seed = Long.parseLong(args[++i]);
                    break;
                case "--index":
                    only = Integer.parseInt(args[++i]);
                    break;
                case "--verbose":
                    verbose = true;
                    break;
                default:
                    if (!MECHANISMS.contains(args[i])) {
                        System.err.println("unknown mechanism " + args[i] + "; known: " + MECHANISM_LIST);
                        System.exit(2);
                    }
                    mechanisms.add(args[i]);
            }
        }
        if (mechanisms.isEmpty()) {
            mechanisms.addAll(MECHANISMS);
        }
        System.out.println("kill seed " + seed + ", " + (only >= 0 ? "kill " + only : kills + " kills") + " per mechanism: replay with --seed " + seed);
        List<MechanismReport> reports = new ArrayList<>();
        int failed = 0;
        try (KillCampaign campaign = new KillCampaign(seed).verbose(verbose)) {
            for (String m : mechanisms) {
                if (needsPython(m) && !campaign.hasPython()) {
                    System.out.println(m + ": skipped, no python3 here");
                    continue;
                }
                long started = System.nanoTime();
                MechanismReport r = only >= 0 ? campaign.run(m, only, only) : campaign.run(m, 0, kills - 1);
                System.out.printf("%s  (%.1f s)%n", r, (System.nanoTime() - started) / 1e9);
                r.failures().forEach(f -> System.out.println("  FAILED " + f));
                reports.add(r);
                failed += r.failed();
            }
        }
        System.out.println();
        System.out.println(MechanismReport.header());
        reports.forEach(System.out::println);
        reports.forEach(r -> r.failures().forEach(f -> System.out.println("FAILED " + f)));
        System.exit(failed == 0 ? 0 : 1);
    }
}
