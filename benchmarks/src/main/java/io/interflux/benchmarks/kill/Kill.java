package io.interflux.benchmarks.kill;

import io.interflux.IpcResource;
import io.interflux.shm.SharedValues;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One kill: where it falls, the names of the objects it may create (so that they are the
 * campaign's and can be checked gone afterwards), what it started and opened (released by
 * {@link #releaseAll()} whatever happened), and what it found: values delivered, values lost in a
 * documented window, how long the Interflux side took to notice, failures and notes.
 */
final class Kill {

    final String mechanism;
    final int index;
    /** The last index of this run of the mechanism: victims are started ahead up to it. */
    final int last;
    final long seed;
    final KillPoint point;
    final Path dir;
    final Victims victims;
    /** This kill's slice of the run's control segment. */
    final Control ctl;
    /** The control segment's POSIX name, for victims. */
    final String ctlName;
    /** The campaign's prefix of POSIX names, without the slash: {@code ifx-kill-<pid>-}. */
    final String prefix;

    final List<String> sysvIds = new ArrayList<>();
    final List<Long> victimPids = new ArrayList<>();
    private final List<Victim> started = new ArrayList<>();
    private final List<IpcResource> opened = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private final Map<String, Integer> notes = new TreeMap<>();
    private long delivered;
    private long lostByDesign;
    private long noticeNanos = -1;
    private int leaked;

    Kill(String mechanism, int index, int last, long seed, Path dir, Victims victims, String prefix,
         SharedValues control) {
        this.mechanism = mechanism;
        this.index = index;
        this.last = last;
        this.seed = seed;
        this.point = KillPoint.of(seed, mechanism, index);
        this.dir = dir;
        this.victims = victims;
        this.prefix = prefix;
        this.ctl = Control.of(control, index);
        this.ctlName = control.name();
    }

    /** The arguments of the Python victim of this kill: the control segment's file, this kill's first slot, then {@code args}. */
    String[] pythonArgs(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = ctl.path().toString();
        all[1] = Integer.toString(Control.base(index));
        System.arraycopy(args, 0, all, 2, args.length);
        return all;
    }

    /** The arguments of the victim JVM of kill {@code i} of this run ({@link KillVictim}), {@code objects} last. */
    String[] jvmArgs(String role, int i, String... objects) {
        String[] all = new String[objects.length + 4];
        all[0] = role;
        all[1] = dir.toString();
        all[2] = ctlName;
        all[3] = Integer.toString(i);
        System.arraycopy(objects, 0, all, 4, objects.length);
        return all;
    }

    /** A POSIX name of this kill: {@code /ifx-kill-<pid>-<mechanism>-<index>-<what>}. */
    String name(String what) {
        return name(prefix, mechanism, index, what);
    }

    /** The POSIX name {@code what} of kill {@code index} of {@code mechanism}: for a victim started ahead of it. */
    static String name(String prefix, String mechanism, int index, String what) {
        return "/" + prefix + mechanism + "-" + index + "-" + what;
    }

    /** A file of this kill in the campaign's directory. */
    Path file(String what) {
        return dir.resolve(mechanism + "-" + index + "-" + what);
    }

    /** Remembers a victim, to kill it if it still runs at the end and check it is gone (and reaped). */
    Victim victim(Victim v) {
        victimPids.add(v.pid);
        started.add(v);
        return v;
    }

    /** Remembers something opened, to release it at the end of the kill. */
    <T extends IpcResource> T track(T resource) {
        opened.add(resource);
        return resource;
    }

    /**
     * Kills the victims still running and releases what was opened, last first, waiting for each
     * release; one that is not done within {@link Scenario#RELEASE} fails the kill.
     */
    void releaseAll() {
        started.forEach(Victim::destroy);
        started.clear();
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).dispose();
        }
        for (IpcResource r : opened) {
            try {
                r.onDispose().block(Scenario.RELEASE);
            } catch (RuntimeException e) {
                fail(r + " was not released within " + Scenario.RELEASE.toSeconds() + " s of dispose: " + e);
            }
        }
        opened.clear();
    }

    /** A System V object this kill created ({@code "msg"} or {@code "sem"}), to check it is removed. */
    void sysv(String kind, int id) {
        sysvIds.add(kind + " " + id);
    }

    void fail(String what) {
        failures.add(what);
    }

    void note(String what) {
        notes.merge(what, 1, Integer::sum);
    }

    void delivered(long values) {
        delivered = values;
    }

    void lostByDesign(long values) {
        lostByDesign = values;
    }

    /** The Interflux side reacted {@code nanos} after the kill. */
    void noticed(long nanos) {
        noticeNanos = nanos;
    }

    /** What the kill left behind, by kind: each item a leak and a failure. */
    void leftBehind(Map<String, Set<String>> left) {
        left.forEach((kind, items) -> {
            leaked += items.size();
            fail("left behind " + kind + ": " + String.join(", ", items));
        });
    }

    List<String> failures() {
        return failures;
    }

    Map<String, Integer> notes() {
        return notes;
    }

    long delivered() {
        return delivered;
    }

    long lostByDesign() {
        return lostByDesign;
    }

    long noticeNanos() {
        return noticeNanos;
    }

    int leaked() {
        return leaked;
    }

    /** How to run this kill again, alone. */
    String replay() {
        return "--seed " + seed + " --index " + index + " " + mechanism;
    }

    @Override
    public String toString() {
        return mechanism + " kill " + index + " (" + point + ")";
    }
}
