package io.interflux.benchmarks.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** What a fuzz run saw: inputs, frames, how the streams ended, and the failures with how to replay them. */
public final class FuzzReport {

    /** Failures kept in full; more are only counted. */
    static final int KEPT = 20;

    private final String target;
    private long inputs;
    private long frames;
    private final Map<String, Long> ends = new TreeMap<>();
    private long failures;
    private final List<String> failed = new ArrayList<>();

    FuzzReport(String target) {
        this.target = target;
    }

    void count(int frameCount, String end) {
        inputs++;
        frames += frameCount;
        ends.merge(end, 1L, Long::sum);
    }

    void fail(long seed, long index, String what) {
        failures++;
        if (failed.size() < KEPT) {
            failed.add("seed " + seed + " input " + index + ": " + what);
        }
    }

    /** Adds another run's counts to this one. */
    public void add(FuzzReport other) {
        inputs += other.inputs;
        frames += other.frames;
        other.ends.forEach((k, v) -> ends.merge(k, v, Long::sum));
        failures += other.failures;
        for (String f : other.failed) {
            if (failed.size() < KEPT) {
                failed.add(f);
            }
        }
    }

    public long inputs() {
        return inputs;
    }

    public long failures() {
        return failures;
    }

    /** The failures kept, each with the seed and input index that replay it. */
    public List<String> failed() {
        return List.copyOf(failed);
    }

    /** How many inputs ended each way ({@code complete}, an exception's name). */
    public Map<String, Long> ends() {
        return Map.copyOf(ends);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%-8s %,10d inputs %,12d frames  failures %d  ends %s", target, inputs, frames,
                failures, ends);
    }

    /** A short, printable rendering of some bytes. */
    static String printable(byte[] b) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < Math.min(b.length, 48); i++) {
            int c = b[i] & 0xFF;
            if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
                sb.append((char) c);
            } else {
                sb.append(String.format(Locale.ROOT, "\\x%02x", c));
            }
        }
        return sb.append(b.length > 48 ? "...\"" : "\"").toString();
    }
}
