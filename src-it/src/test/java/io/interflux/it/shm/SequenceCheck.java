package io.interflux.it.shm;

import io.interflux.shm.RingMessage;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.zip.CRC32;

/**
 * Follows {@link NumberedRecords} as a consumer takes them: each must be the next of its
 * producer's sequence, starting at 0. The first that is not fails with an {@link AssertionError}
 * naming what was lost or repeated, so a receive fails at the first fault instead of waiting
 * for a count it will never reach.
 *
 * <pre>{@code
 * SequenceCheck check = new SequenceCheck();
 * ring.receive().take(1000).doOnNext(check).then().block(WAIT);
 * assertThat(check.counts()).isEqualTo(Map.of(1, 1000L));
 * }</pre>
 *
 * It also keeps a CRC-32 of every type and payload in arrival order, which a process that only
 * reports can print and another can recompute ({@link #expectedChecksum(int, long)}).
 */
final class SequenceCheck implements Consumer<RingMessage> {

    private final Map<Integer, Long> next = new TreeMap<>();
    private final CRC32 crc = new CRC32();
    private long total;
    private long switches;
    private int lastProducer;

    @Override
    public synchronized void accept(RingMessage m) {
        int producer = NumberedRecords.producer(m);
        long sequence = NumberedRecords.sequence(m);
        long expected = next.getOrDefault(producer, 0L);
        if (sequence != expected) {
            throw new AssertionError("producer " + producer + ": expected record " + expected + " but record "
                    + sequence + " arrived (" + (sequence < expected ? "a duplicate or reordering"
                    : (sequence - expected) + " records lost") + ") after " + total + " records in all");
        }
        next.put(producer, expected + 1);
        if (total > 0 && producer != lastProducer) {
            switches++;
        }
        lastProducer = producer;
        total++;
        update(crc, m);
    }

    /** Records taken so far, by producer: each producer's next expected sequence number. */
    synchronized Map<Integer, Long> counts() {
        return new TreeMap<>(next);
    }

    /** Records of {@code producer} taken so far. */
    synchronized long count(int producer) {
        return next.getOrDefault(producer, 0L);
    }

    synchronized long total() {
        return total;
    }

    /** How often consecutive records came from different producers: how finely they interleaved. */
    synchronized long switches() {
        return switches;
    }

    /** The CRC-32 of the types and payloads taken, in order. */
    synchronized long checksum() {
        return crc.getValue();
    }

    /** The checksum of records {@code 0 .. count-1} of {@code producer}, taken in order. */
    static long expectedChecksum(int producer, long count) {
        CRC32 crc = new CRC32();
        for (long i = 0; i < count; i++) {
            update(crc, NumberedRecords.record(producer, i));
        }
        return crc.getValue();
    }

    private static void update(CRC32 crc, RingMessage m) {
        int type = m.type();
        crc.update(type >>> 24);
        crc.update(type >>> 16);
        crc.update(type >>> 8);
        crc.update(type);
        crc.update(m.payload());
    }
}
