package io.interflux.pipe;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import java.nio.charset.StandardCharsets;

/**
 * The last bytes a child wrote to a captured stderr: a fixed ring that keeps the newest
 * {@code capacity} bytes and counts the rest. Appended on the event loop, read from any thread
 * (briefly synchronised; the loop never waits on it for long).
 */
final class StderrTail {

    private final byte[] ring;
    private long total;
    private final Sinks.Empty<Void> ended = Sinks.empty();

    StderrTail(int capacity) {
        this.ring = new byte[capacity];
    }

    synchronized void append(byte[] chunk) {
        int n = chunk.length;
        int from = Math.max(0, n - ring.length);
        for (int i = from; i < n; i++) {
            ring[(int) ((total + i) % ring.length)] = chunk[i]; // the byte at stream position total + i
        }
        total += n;
    }

    void end() {
        ended.tryEmitEmpty();
    }

    /** Completes when the child's stderr reached end of file (or could not be read further). */
    Mono<Void> ended() {
        return ended.asMono();
    }

    /** How many bytes the child wrote to stderr in all. */
    synchronized long total() {
        return total;
    }

    /** The kept bytes as UTF-8 text, oldest first. */
    synchronized String text() {
        int kept = (int) Math.min(total, ring.length);
        byte[] out = new byte[kept];
        long start = total - kept;
        for (int i = 0; i < kept; i++) {
            out[i] = ring[(int) ((start + i) % ring.length)];
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
