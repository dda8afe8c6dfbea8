package io.interflux.benchmarks.kill;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One mechanism's tally over its kills: the line the long form prints, and the failures, each
 * with the seed and kill index that replay it.
 */
public final class MechanismReport {

    /** Failures kept in full; more are only counted. */
    static final int KEPT = 20;

    final String mechanism;
    private int kills;
    private long delivered;
    private long lostByDesign;
    private long leaked;
    private long maxNoticeNanos;
    private int failedKills;
    private final Map<String, Integer> notes = new TreeMap<>();
    private final List<String> failures = new ArrayList<>();

    MechanismReport(String mechanism) {
        this.mechanism = mechanism;
    }

    void add(Kill kill) {
        kills++;
        delivered += kill.delivered();
        lostByDesign += kill.lostByDesign();
        leaked += kill.leaked();
        maxNoticeNanos = Math.max(maxNoticeNanos, kill.noticeNanos());
        kill.notes().forEach((k, v) -> notes.merge(k, v, Integer::sum));
        if (!kill.failures().isEmpty()) {
            failedKills++;
            if (failures.size() < KEPT) {
                failures.add(kill + ": " + String.join("; ", kill.failures()) + "  [replay: kill " + kill.replay() + "]");
            }
        }
    }

    /** Something that failed outside any one kill: the mechanism's set-up or tear-down. */
    void failOutside(String what, int leakedObjects) {
        failedKills++;
        leaked += leakedObjects;
        if (failures.size() < KEPT) {
            failures.add(mechanism + ": " + what);
        }
    }

    public String mechanism() {
        return mechanism;
    }

    public int kills() {
        return kills;
    }

    public long delivered() {
        return delivered;
    }

    public long lostByDesign() {
        return lostByDesign;
    }

    public long leaked() {
        return leaked;
    }

    public double maxNoticeMillis() {
        return maxNoticeNanos / 1e6;
    }

    /** Kills (or set-ups and tear-downs) that failed. */
    public int failed() {
        return failedKills;
    }

    /** How the kills went, counted: how each stream ended, what a lock's next holder was told. */
    public Map<String, Integer> notes() {
        return Map.copyOf(notes);
    }

    /** The failures kept, each with how to replay it. */
    public List<String> failures() {
        return List.copyOf(failures);
    }

    static String header() {
        return String.format(Locale.ROOT, "%-10s %6s %12s %14s %7s %15s %9s  %s", "mechanism", "kills", "delivered",
                "lost-by-design", "leaked", "max-notice-ms", "failures", "how they ended");
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%-10s %6d %,12d %14d %7d %15.1f %9d  %s", mechanism, kills, delivered,
                lostByDesign, leaked, maxNoticeMillis(), failedKills, notes);
    }
}
