package io.interflux.benchmarks;

import java.util.Arrays;

/**
 * What one {@link ScaleRun} does with its N streams, the same for every implementation, and known
 * to the benchmark that starts it and to the helpers on the far side.
 *
 * <ul>
 *   <li>Latency: pings of {@value ScaleMeter#MESSAGE} bytes at {@value #RATE} per second over all
 *       streams together, round-robin, each stream with at most one in flight, echoed by the far
 *       end; {@link #warmupNanos()} unmeasured, then {@link #windowNanos()} measured. At N=1000
 *       each stream sees a ping every half second: many mostly idle streams, as a server has.</li>
 *   <li>Throughput: the far ends then stream {@value #TOTAL_BYTES} bytes per second of
 *       {@code --seconds} in all (64 KiB blocks, split evenly), or {@value #TOTAL_MESSAGES}
 *       64-byte messages per second of {@code --seconds} over queues.</li>
 * </ul>
 */
final class ScaleWorkload {

    /** Pings per second over all streams. */
    static final int RATE = 2000;
    /** Bytes streamed over all byte streams, per second of {@code --seconds}. */
    static final long TOTAL_BYTES = 2L << 30;
    /** Messages streamed over all queues, per second of {@code --seconds}. */
    static final long TOTAL_MESSAGES = 300_000;
    /** The block the far end of a byte stream writes: {@code dd bs=64k}. */
    static final int BLOCK = 64 * 1024;

    final String mechanism;
    final int streams;
    final double seconds;

    ScaleWorkload(String mechanism, int streams, double seconds) {
        if (streams <= 0) {
            throw new IllegalArgumentException("streams > 0 required but it was " + streams);
        }
        if (!(seconds > 0)) {
            throw new IllegalArgumentException("seconds > 0 required but it was " + seconds);
        }
        this.mechanism = mechanism;
        this.streams = streams;
        this.seconds = seconds;
    }

    /** Whether the streams carry messages (queues) rather than bytes. */
    boolean messages() {
        return mechanism.equals("posix-mq");
    }

    /** The 64 KiB blocks each byte stream carries in the throughput phase (at least one). */
    long blocksPerStream() {
        return Math.max(1, Math.round(TOTAL_BYTES * seconds / streams / BLOCK));
    }

    /** The 64-byte messages each queue carries in the throughput phase (at least 10). */
    long messagesPerStream() {
        return Math.max(10, Math.round(TOTAL_MESSAGES * seconds / streams));
    }

    /** What each stream carries in the throughput phase, in bytes. */
    long sharePerStream() {
        return messages() ? messagesPerStream() * ScaleMeter.MESSAGE : blocksPerStream() * BLOCK;
    }

    long warmupNanos() {
        return (long) (1e9 * seconds);
    }

    long windowNanos() {
        return (long) (3e9 * seconds);
    }

    /** Room for every round trip the window can hold, with a margin. */
    int maxSamples() {
        return (int) Math.min(10_000_000, RATE * (windowNanos() / 1e9) * 2 + 1000);
    }

    /**
     * A 64-byte message for stream {@code stream}: {@code kind} ({@code 'p'} a ping, {@code 's'}
     * the order to stream), the stream's number in the next four bytes (big-endian), dots after.
     */
    static byte[] message(char kind, int stream) {
        byte[] m = new byte[ScaleMeter.MESSAGE];
        Arrays.fill(m, (byte) '.');
        m[0] = (byte) kind;
        m[1] = (byte) (stream >>> 24);
        m[2] = (byte) (stream >>> 16);
        m[3] = (byte) (stream >>> 8);
        m[4] = (byte) stream;
        m[ScaleMeter.MESSAGE - 1] = '\n';
        return m;
    }

    /** The stream number of a {@link #message(char, int)}. */
    static int stream(byte[] m, int offset) {
        return (m[offset + 1] & 0xff) << 24 | (m[offset + 2] & 0xff) << 16 | (m[offset + 3] & 0xff) << 8 | (m[offset + 4] & 0xff);
    }

    @Override
    public String toString() {
        return mechanism + " N=" + streams + " (" + seconds + " s)";
    }
}
