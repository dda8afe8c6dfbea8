package io.interflux.benchmarks.fuzz;

import io.interflux.shm.CorruptRingException;
import io.interflux.shm.RingDescriptor;
import io.interflux.shm.RingMessage;
import io.interflux.shm.SharedRing;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A hostile process's ring: records written straight into a shared ring's segment, beside the
 * protocol, then read by Interflux's receive. Each input writes well-formed records and, mostly,
 * wrecks among them (lengths shorter than a header or past the ring's end or the tail, types of
 * 0 and below, misplaced padding, a head moved off its alignment or past the tail, a hole of
 * zeroes or a half-written record below the tail). A model of the layout
 * ({@link RingDescriptor}) says what the receive must deliver: every well-formed record up to
 * the first wreck, then a {@link CorruptRingException}; or, when the stream reaches an unfinished
 * record, those records and a wait (a producer might still finish it); or, when it reaches the
 * tail, those records and then whatever a real producer sends next. Any other exception, an
 * extra or missing or altered record, or a hang is a failure.
 *
 * <p>One ring serves every input: between inputs the segment's records, head and tail are reset
 * by hand while no receive runs.
 */
public final class RingFuzz implements AutoCloseable {

    private static final long WAIT_SECONDS = 10;

    private final SharedRing ring;
    private final FileChannel channel;
    private final MappedByteBuffer segment;
    private final int capacity;
    private final int tailAt;
    private final int headCacheAt;
    private final int headAt;

    public RingFuzz(String name, int capacity) {
        this.ring = SharedRing.named(name).capacity(capacity).openNow(Duration.ofSeconds(10));
        this.capacity = capacity;
        try {
            Path file = Path.of("/dev/shm", name.substring(1));
            this.channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            this.segment = channel.map(FileChannel.MapMode.READ_WRITE, 0, RingDescriptor.segmentSize(capacity));
        } catch (IOException e) {
            ring.dispose();
            throw new UncheckedIOException(e);
        }
        segment.order(ByteOrder.LITTLE_ENDIAN);
        int trailer = RingDescriptor.HEADER_LENGTH + capacity;
        this.tailAt = trailer + RingBufferDescriptor.TAIL_POSITION_OFFSET;
        this.headCacheAt = trailer + RingBufferDescriptor.HEAD_CACHE_POSITION_OFFSET;
        this.headAt = trailer + RingBufferDescriptor.HEAD_POSITION_OFFSET;
    }

    public FuzzReport run(long seed, long first, long count) {
        FuzzReport report = new FuzzReport("ring");
        for (long i = first; i < first + count; i++) {
            Random r = new Random(seed * 1_000_003L + i);
            reset();
            Written w = write(r);
            String actual;
            List<byte[]> got;
            try {
                Taken t = take(w);
                actual = t.end;
                got = t.records;
            } catch (RuntimeException e) {
                report.fail(seed, i, w + ": the harness failed: " + e);
                continue;
            }
            report.count(got.size(), actual);
            if (!actual.equals(w.end) || !same(got, w.expected)) {
                report.fail(seed, i, w + ":\n  expected " + w.expected.size() + " records then " + w.end
                        + "\n  but got  " + got.size() + " records then " + actual);
            }
        }
        return report;
    }

    private static boolean same(List<byte[]> a, List<byte[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** An empty ring again: no receive runs now, and the producers' claim words are clear. */
    private void reset() {
        for (int at = RingDescriptor.HEADER_LENGTH; at < RingDescriptor.HEADER_LENGTH + capacity; at += 8) {
            segment.putLong(at, 0);
        }
        segment.putLong(tailAt, 0);
        segment.putLong(headCacheAt, 0);
        segment.putLong(headAt, 0);
    }

    /** What the hostile writer put into the ring, and what the model expects of it. */
    private static final class Written {
        final List<byte[]> expected = new ArrayList<>();
        final StringBuilder what = new StringBuilder();
        String end;

        @Override
        public String toString() {
            return what.toString();
        }
    }

    private Written write(Random r) {
        Written w = new Written();
        int at = 0; // the next record's index in the ring; positions equal indexes (one lap)
        boolean wrecked = false;
        int records = r.nextInt(10);
        for (int k = 0; k < records && at < capacity; k++) {
            int room = capacity - at;
            int kind = r.nextInt(10);
            int payload = r.nextInt(Math.min(200, room));
            int length = 8 + payload;
            int type = 1 + r.nextInt(100);
            String wreck = null;
            switch (kind) {
                case 0:
                    length = 1 + r.nextInt(7);
                    wreck = "short";
                    break;
                case 1:
                    length = room + 1 + r.nextInt(64);
                    wreck = "past the end";
                    break;
                case 2:
                    type = -r.nextInt(5) - 2;
                    if (r.nextBoolean()) {
                        type = 0;
                    }
                    wreck = "type " + type;
                    break;
                case 3: // padding in the middle: legal in form, skipped, nothing delivered
                    type = RingDescriptor.PADDING_TYPE;
                    break;
                case 4: // a payload over the ring's maximum (capacity / 8), which no producer writes
                    if (8 + capacity / 8 + 1 <= room) {
                        length = 8 + capacity / 8 + 1 + r.nextInt(Math.min(64, room - 8 - capacity / 8));
                        wreck = "over the maximum";
                    }
                    break;
                case 5: // the smallest padding, often several in a row
                    type = RingDescriptor.PADDING_TYPE;
                    length = 8;
                    payload = 0;
                    break;
                default:
                    break;
            }
            if (8 + payload > room && wreck == null) {
                break;
            }
            byte[] bytes = Streams.random(r, Math.max(0, Math.min(payload, room - 8)));
            int index = RingDescriptor.HEADER_LENGTH + at;
            segment.putInt(index + 4, type);
            for (int b = 0; b < bytes.length && 8 + b < room; b++) {
                segment.put(index + 8 + b, bytes[b]);
            }
            segment.putInt(index, length);
            w.what.append(wreck != null ? "[" + wreck + " " + length + "]" : type == RingDescriptor.PADDING_TYPE ? "[pad " + length + "]"
                    : "[" + length + "]");
            if (!wrecked) {
                if (wreck != null) {
                    wrecked = true;
                    w.end = "CorruptRingException";
                } else if (type != RingDescriptor.PADDING_TYPE) {
                    w.expected.add(bytes);
                }
            }
            if (wreck != null) {
                break; // the model stops at the first wreck; what follows is never read
            }
            at += (length + 7) & ~7;
        }
        long tail = at;
        int twist = r.nextInt(10);
        if (!wrecked && twist == 0 && at + 16 <= capacity) {
            // a hole below the tail: zeroes, or a negative length, where a record should be
            if (r.nextBoolean()) {
                segment.putInt(RingDescriptor.HEADER_LENGTH + at, -(8 + r.nextInt(8)));
            }
            tail = at + 16;
            w.what.append("[unfinished]");
            w.end = "waiting";
        } else if (!wrecked && twist == 1 && at > 0) {
            // the tail left short of the records written: the last ones were never claimed
            tail = r.nextInt(at) & ~7L;
            w.what.append("[tail at ").append(tail).append("]");
            recount(w, tail);
        } else if (twist == 2) {
            // the head moved off its alignment, or past the tail
            long head = r.nextBoolean() ? 1 + r.nextInt(7) : tail + 8;
            segment.putLong(headAt, head);
            w.what.append("[head at ").append(head).append("]");
            w.expected.clear();
            w.end = "CorruptRingException";
        }
        segment.putLong(tailAt, tail);
        if (w.end == null) {
            w.end = "then a real producer's record";
        }
        return w;
    }

    /** The tail was cut short: records past it are a wreck, and the read stops with one there. */
    private void recount(Written w, long tail) {
        w.expected.clear();
        int at = 0;
        while (at < tail) {
            int index = RingDescriptor.HEADER_LENGTH + at;
            int length = segment.getInt(index);
            int type = segment.getInt(index + 4);
            int aligned = (length + 7) & ~7;
            if (at + aligned > tail) {
                w.end = "CorruptRingException";
                return;
            }
            if (type != RingDescriptor.PADDING_TYPE) {
                byte[] payload = new byte[length - 8];
                segment.get(index + 8, payload);
                w.expected.add(payload);
            }
            at += aligned;
        }
        int length = segment.getInt(RingDescriptor.HEADER_LENGTH + at);
        w.end = at < capacity && length > 0 ? "CorruptRingException" : "then a real producer's record";
    }

    private static final class Taken {
        final List<byte[]> records;
        final String end;

        Taken(List<byte[]> records, String end) {
            this.records = records;
            this.end = end;
        }
    }

    /** The receive, until the model's end: an error, a wait, or a real producer's sentinel after the rest. */
    private Taken take(Written w) {
        byte[] sentinel = "sentinel".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Collector c = new Collector(w.expected.size(), w.end.equals("then a real producer's record") ? sentinel : null);
        ring.receive().map(RingMessage::payload).subscribe(c);
        try {
            if (!c.reached.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                return new Taken(c.records, "hang");
            }
            if (c.end != null) {
                return new Taken(c.records, c.end); // ended before the expected records were in
            }
            if (w.end.equals("waiting")) {
                return new Taken(c.records, "waiting"); // behind the unfinished record, as it must be
            }
            if (c.sentinel != null) {
                ring.send(Flux.just(RingMessage.of(sentinel))).block(Duration.ofSeconds(WAIT_SECONDS));
            }
            if (!c.done.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                return new Taken(c.records, c.sentinel != null ? "hang waiting for the real producer's record" : "hang");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            c.dispose();
            c.released();
        }
        return new Taken(c.records, c.end);
    }

    /** Collects records; past the expected ones, waits for the sentinel, then stops. */
    private final class Collector extends BaseSubscriber<byte[]> {
        final List<byte[]> records = new ArrayList<>();
        final byte[] sentinel;
        private final int expected;
        final CountDownLatch reached = new CountDownLatch(1);
        final CountDownLatch done = new CountDownLatch(1);
        volatile String end;

        Collector(int expected, byte[] sentinel) {
            this.expected = expected;
            this.sentinel = sentinel;
        }

        @Override
        protected void hookOnSubscribe(Subscription s) {
            s.request(Long.MAX_VALUE);
            if (expected == 0) {
                reached.countDown();
            }
        }

        @Override
        protected void hookOnNext(byte[] record) {
            if (sentinel != null && records.size() == expected && Arrays.equals(record, sentinel)) {
                end = "then a real producer's record";
                done.countDown();
                cancel();
                return;
            }
            records.add(record);
            if (records.size() == expected) {
                reached.countDown();
            }
        }

        @Override
        protected void hookOnError(Throwable t) {
            end = t instanceof CorruptRingException ? "CorruptRingException" : "undocumented " + t;
            reached.countDown();
            done.countDown();
        }

        @Override
        protected void hookOnComplete() {
            end = "completed";
            reached.countDown();
            done.countDown();
        }

        /** Waits until the receive has let go of the consumer claim, so the next input can reset the ring. */
        void released() {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            while (segment.getInt(RingDescriptor.CONSUMER_PID_OFFSET) != 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // the mapping goes with the ring
        }
        ring.dispose();
        ring.onDispose().block(Duration.ofSeconds(10));
    }
}
