package io.interflux.testkit;

import reactor.core.publisher.Flux;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongToIntFunction;

/**
 * Frames that carry their own sequence number, so a receiver can check order, loss, duplication
 * and corruption without keeping what was sent.
 *
 * <pre>
 * +----------------------+-------------------------------------------+
 * | sequence (8 bytes BE) | filler: byte i = (byte) (sequence + i)    |
 * +----------------------+-------------------------------------------+
 * </pre>
 */
final class NumberedFrames {

    /** The smallest frame: the sequence number alone. */
    static final int MIN_SIZE = Long.BYTES;

    private NumberedFrames() {
    }

    /** The frame numbered {@code sequence}, {@code size} bytes long. */
    static byte[] frame(long sequence, int size) {
        if (size < MIN_SIZE) {
            throw new IllegalArgumentException("size >= " + MIN_SIZE + " required but it was " + size);
        }
        byte[] frame = new byte[size];
        for (int i = 0; i < Long.BYTES; i++) {
            frame[i] = (byte) (sequence >>> (56 - 8 * i));
        }
        for (int i = Long.BYTES; i < size; i++) {
            frame[i] = (byte) (sequence + i);
        }
        return frame;
    }

    /** The sequence number of an intact frame; an {@link AssertionError} describes a damaged one. */
    static long sequenceOf(byte[] frame) {
        if (frame.length < MIN_SIZE) {
            throw new AssertionError("a frame of " + frame.length + " bytes is too short to carry a sequence number");
        }
        long sequence = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            sequence = (sequence << 8) | (frame[i] & 0xFF);
        }
        for (int i = Long.BYTES; i < frame.length; i++) {
            if (frame[i] != (byte) (sequence + i)) {
                throw new AssertionError("frame " + sequence + " is corrupt at byte " + i + " of " + frame.length);
            }
        }
        return sequence;
    }

    /**
     * Checks that {@code frame} is the one numbered {@code expected} and {@code size} bytes long.
     *
     * @throws AssertionError naming what arrived instead
     */
    static void check(byte[] frame, long expected, int size) {
        long got = sequenceOf(frame);
        if (got != expected) {
            throw new AssertionError("expected frame " + expected + " but frame " + got + " arrived"
                    + (got < expected ? " (a duplicate or reordering)" : " (" + (got - expected) + " frames lost)"));
        }
        if (frame.length != size) {
            throw new AssertionError("frame " + got + " should be " + size + " bytes but was " + frame.length);
        }
    }

    /** Frames {@code 0 .. count-1}, frame {@code n} being {@code sizes.applyAsInt(n)} bytes. */
    static Flux<byte[]> range(long count, LongToIntFunction sizes) {
        return Flux.<byte[], long[]>generate(() -> new long[1], (next, sink) -> {
            long n = next[0]++;
            if (n < count) {
                sink.next(frame(n, sizes.applyAsInt(n)));
            } else {
                sink.complete();
            }
            return next;
        });
    }

    /**
     * Frames {@code 0 .. count-1} of {@code size} bytes, made only as they are requested;
     * {@code pulled} counts the frames handed downstream, so a test sees how far ahead a sender
     * has pulled its source.
     */
    static Flux<byte[]> counted(long count, int size, AtomicLong pulled) {
        return Flux.generate(sink -> {
            long n = pulled.get();
            if (n < count) {
                pulled.incrementAndGet();
                sink.next(frame(n, size));
            } else {
                sink.complete();
            }
        });
    }
}
