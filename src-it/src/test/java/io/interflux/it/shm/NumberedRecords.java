package io.interflux.it.shm;

import io.interflux.shm.RingMessage;
import reactor.core.publisher.Flux;

import java.nio.ByteBuffer;

/**
 * Records that say who wrote them and where in that writer's sequence they stand, so a consumer
 * can check order, loss and duplication per producer without keeping what was sent.
 *
 * <pre>
 *  type     = producer id (&gt;= 1)
 *  payload  = producer id (4 bytes, big-endian) | sequence number (8 bytes, big-endian)
 * </pre>
 */
final class NumberedRecords {

    static final int PAYLOAD_LENGTH = Integer.BYTES + Long.BYTES;

    private NumberedRecords() {
    }

    /** Record {@code sequence} of {@code producer}. */
    static RingMessage record(int producer, long sequence) {
        byte[] payload = ByteBuffer.allocate(PAYLOAD_LENGTH).putInt(producer).putLong(sequence).array();
        return RingMessage.of(payload, producer);
    }

    /** Records {@code 0 .. count-1} of {@code producer}, made as they are requested. */
    static Flux<RingMessage> range(int producer, long count) {
        return range(producer, 0, count);
    }

    /** Records {@code from .. from+count-1} of {@code producer}, made as they are requested. */
    static Flux<RingMessage> range(int producer, long from, long count) {
        return Flux.generate(() -> from, (next, sink) -> {
            if (next - from < count) {
                sink.next(record(producer, next));
            } else {
                sink.complete();
            }
            return next + 1;
        });
    }

    /** Records {@code 0, 1, 2, ...} of {@code producer}, without end. */
    static Flux<RingMessage> endless(int producer) {
        return range(producer, Long.MAX_VALUE);
    }

    /** The producer of an intact record; an {@link AssertionError} describes a damaged one. */
    static int producer(RingMessage m) {
        ByteBuffer payload = intact(m);
        return payload.getInt(0);
    }

    /** The sequence number of an intact record; an {@link AssertionError} describes a damaged one. */
    static long sequence(RingMessage m) {
        return intact(m).getLong(Integer.BYTES);
    }

    private static ByteBuffer intact(RingMessage m) {
        if (m.size() != PAYLOAD_LENGTH) {
            throw new AssertionError("a numbered record has " + PAYLOAD_LENGTH + " bytes but " + m + " arrived");
        }
        ByteBuffer payload = ByteBuffer.wrap(m.payload());
        if (payload.getInt(0) != m.type()) {
            throw new AssertionError("a numbered record's type is its producer, but record "
                    + payload.getLong(Integer.BYTES) + " of producer " + payload.getInt(0) + " has type " + m.type());
        }
        return payload;
    }
}
