package io.interflux.benchmarks.kill;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Where in the victim's work one kill falls, drawn from the campaign's seed, the mechanism and the
 * kill's index alone, so that {@code --seed S --index I} replays it:
 * <ul>
 *   <li>{@link Mode#FLOWING}: the receiver takes everything; the kill comes once it has {@code items};</li>
 *   <li>{@link Mode#HELD}: the receiver takes {@code items} and then nothing, so the victim fills the
 *       kernel object and is held back; the kill comes {@code delayMicros} later, and the receiver
 *       then drains what the kernel kept;</li>
 *   <li>{@link Mode#TIMED}: the kill comes {@code delayMicros} after GO, however far the victim got
 *       (perhaps before its first write).</li>
 * </ul>
 * Item counts are drawn log-uniformly up to 2^16, so that kills right at the start are as likely as
 * kills deep into a stream.
 */
final class KillPoint {

    /** How the receiver behaves up to the kill. */
    enum Mode { FLOWING, HELD, TIMED }

    final Mode mode;
    final long items;
    final long delayMicros;
    /** Further draws of this kill (a mechanism's own choices), from the same seed. */
    final SplittableRandom random;

    private KillPoint(Mode mode, long items, long delayMicros, SplittableRandom random) {
        this.mode = mode;
        this.items = items;
        this.delayMicros = delayMicros;
        this.random = random;
    }

    /** The kill point of kill {@code index} of {@code mechanism} under {@code seed}. */
    static KillPoint of(long seed, String mechanism, int index) {
        SplittableRandom r = new SplittableRandom(seed ^ (mechanism.hashCode() * 0x9E3779B97F4A7C15L)
                ^ ((index + 1L) * 0xBF58476D1CE4E5B9L));
        Mode mode = Mode.values()[r.nextInt(Mode.values().length)];
        long items = r.nextLong(1L << r.nextInt(17));
        long delay = mode == Mode.HELD ? r.nextLong(50_000) : r.nextLong(200_000);
        return new KillPoint(mode, items, delay, r);
    }

    /** What the receiver requests before the kill. */
    long initialDemand() {
        return mode == Mode.HELD ? items : Long.MAX_VALUE;
    }

    /** How many values the kill waits for (none for a timed kill). */
    long reachAt() {
        return mode == Mode.TIMED ? 0 : items;
    }

    @Override
    public String toString() {
        switch (mode) {
            case FLOWING:
                return "flowing, killed after " + items + " received";
            case HELD:
                return String.format(Locale.ROOT, "held back after %d received, killed %.1f ms later", items, delayMicros / 1e3);
            default:
                return String.format(Locale.ROOT, "killed %.1f ms after GO", delayMicros / 1e3);
        }
    }
}
