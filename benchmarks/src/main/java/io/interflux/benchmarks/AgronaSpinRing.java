package io.interflux.benchmarks;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * The baseline of the shm benchmarks, what an Agrona user writes: an Agrona ring buffer
 * ({@link OneToOneRingBuffer}, or {@link ManyToOneRingBuffer}) over a file in {@code /dev/shm}
 * that each JVM maps itself with {@link FileChannel#map}, no header of ours in front, driven by
 * busy-spin loops ({@link Thread#onSpinWait()}) on the calling thread. Records are consumed in
 * place: the reader looks at each record's length and copies nothing.
 *
 * <p>Every loop gives up after {@link #LIMIT}, or soon after {@link #abandon(String)}, so a peer
 * that died cannot leave a spinning thread.
 */
final class AgronaSpinRing implements AutoCloseable {

    static final Duration LIMIT = Duration.ofSeconds(60);
    static final int TYPE = 1;
    /** Spins between two looks at the clock. */
    private static final int CLOCK_EVERY = 1 << 14;

    private final Path file;
    private final boolean created;
    private final RingBuffer ring;
    private final UnsafeBuffer source = new UnsafeBuffer(new byte[0]);
    private final Counting counting = new Counting();
    /** Why the loops must stop (the other side is gone), or null. */
    private volatile String abandoned;

    private AgronaSpinRing(Path file, boolean created, MappedByteBuffer mapped, boolean many) {
        this.file = file;
        this.created = created;
        UnsafeBuffer buffer = new UnsafeBuffer(mapped);
        this.ring = many ? new ManyToOneRingBuffer(buffer) : new OneToOneRingBuffer(buffer);
    }

    /** Creates {@code file} (it must not exist) holding a ring of {@code capacity} bytes of records; {@link #close()} removes it. */
    static AgronaSpinRing create(Path file, int capacity, boolean many) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            long size = (long) capacity + RingBufferDescriptor.TRAILER_LENGTH;
            // the mapping outlives the channel; a fresh tmpfs file reads as zeros: an empty ring
            return new AgronaSpinRing(file, true, ch.map(FileChannel.MapMode.READ_WRITE, 0, size), many);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /** Maps the ring another JVM created in {@code file}. */
    static AgronaSpinRing open(Path file, boolean many) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return new AgronaSpinRing(file, false, ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size()), many);
        }
    }

    Path file() {
        return file;
    }

    /** Writes {@code count} records of {@code payload}, spinning while the ring is full. */
    void send(byte[] payload, long count) {
        source.wrap(payload);
        long deadline = 0;
        int spins = 0;
        for (long i = 0; i < count; i++) {
            while (!ring.write(TYPE, source, 0, payload.length)) {
                Thread.onSpinWait();
                if (++spins == CLOCK_EVERY) {
                    spins = 0;
                    deadline = checkDeadline(deadline, "space to write record " + i + " of " + count);
                }
            }
        }
    }

    /** Takes {@code count} records, each of {@code size} bytes, spinning while the ring is empty. */
    void receive(long count, int size) {
        counting.reset(size);
        long deadline = 0;
        int spins = 0;
        while (counting.count < count) {
            // a batch per read, as Agrona's consumers take it: one head update for all of them;
            // no more than asked, so a round leaves nothing behind for the next
            int limit = (int) Math.min(Integer.MAX_VALUE, count - counting.count);
            if (ring.read(counting, limit) == 0) {
                Thread.onSpinWait();
                if (++spins == CLOCK_EVERY) {
                    spins = 0;
                    deadline = checkDeadline(deadline, "record " + counting.count + " of " + count);
                }
            }
        }
        counting.check();
    }

    /** Sends {@code ping} and spins until the one reply arrives on {@code replies}: the round trip in nanoseconds. */
    long roundTrip(byte[] ping, AgronaSpinRing replies) {
        long t0 = System.nanoTime();
        send(ping, 1);
        replies.receive(1, ping.length);
        return System.nanoTime() - t0;
    }

    /** Takes {@code count} records and writes each back into {@code replies} as it comes, spinning both ways. */
    void echo(long count, AgronaSpinRing replies) {
        Echo echo = new Echo(replies);
        long deadline = 0;
        int spins = 0;
        while (echo.count < count) {
            if (ring.read(echo, 1) == 0) {
                Thread.onSpinWait();
                if (++spins == CLOCK_EVERY) {
                    spins = 0;
                    deadline = checkDeadline(deadline, "ping " + echo.count + " of " + count);
                }
            }
        }
    }

    /** Makes every loop on this ring fail within about a millisecond: the other side has gone. */
    void abandon(String why) {
        abandoned = why;
    }

    /**
     * Starts the clock at the first long wait (0: not yet) and fails once it has run for
     * {@link #LIMIT}, or when the ring was {@linkplain #abandon(String) abandoned}; a loop that
     * never waits long never looks, so a round trip stays lean.
     */
    private long checkDeadline(long deadline, String what) {
        String why = abandoned;
        if (why != null) {
            throw new IllegalStateException("no " + what + ": " + why);
        }
        long now = System.nanoTime();
        if (deadline == 0) {
            return now + LIMIT.toNanos();
        }
        if (now - deadline > 0) {
            throw new IllegalStateException("no " + what + " within " + LIMIT + ": is the other side alive?");
        }
        return deadline;
    }

    /** Nothing to unmap by hand (the mapping goes with its buffer); removes the file if this JVM created it. */
    @Override
    public void close() throws IOException {
        if (created) {
            Files.deleteIfExists(file);
        }
    }

    /** Counts records and checks their length; reads nothing else. */
    private static final class Counting implements MessageHandler {
        long count;
        int size;
        int wrongSize = -1;

        void reset(int size) {
            this.count = 0;
            this.size = size;
            this.wrongSize = -1;
        }

        @Override
        public void onMessage(int type, MutableDirectBuffer buffer, int index, int length) {
            if (length != size) {
                wrongSize = length;
            }
            count++;
        }

        void check() {
            if (wrongSize >= 0) {
                throw new IllegalStateException("a record of " + wrongSize + " bytes, expected " + size);
            }
        }
    }

    /** Writes each record back, straight from the ring's memory, spinning while the reply ring is full. */
    private static final class Echo implements MessageHandler {
        private final RingBuffer replies;
        long count;

        Echo(AgronaSpinRing replies) {
            this.replies = replies.ring;
        }

        @Override
        public void onMessage(int type, MutableDirectBuffer buffer, int index, int length) {
            while (!replies.write(type, buffer, index, length)) {
                Thread.onSpinWait();
            }
            count++;
        }
    }
}
