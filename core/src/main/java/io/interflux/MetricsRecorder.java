package io.interflux;

import io.interflux.internal.metrics.Metering;

/**
 * What an endpoint reports about its traffic when metrics are on: the counts its drains see,
 * the time a consumer held its producer back, the time the kernel object was full. A spec's
 * {@code metrics(true)} or {@code metrics("orders")} gives the Micrometer recorder of
 * {@link #micrometer(String, String)}; {@code metrics(recorder)} takes one of your own.
 *
 * <p>Every method has an empty default, so a recorder implements only what it needs. They are
 * called on the drains' threads (loop threads among them) and must return quickly and never
 * block. Counts arrive in batches: a drain pass that delivered 16 messages reports 16 once.
 *
 * <pre>{@code
 * PosixQueue jobs = PosixQueue.named("/jobs").metrics("jobs").openNow(Duration.ofSeconds(5));
 * // interflux.messages.received{mechanism=posix-mq,name=jobs}, interflux.receive.no.demand{...}, ...
 * }</pre>
 */
public interface MetricsRecorder {

    /** {@code count} messages (frames, for a byte stream) were delivered to a subscriber. */
    default void messagesReceived(int count) {
    }

    /** {@code bytes} were taken from the kernel object (as read, framing included). */
    default void bytesReceived(long bytes) {
    }

    /** {@code count} messages went into the kernel object (or into the sink that writes them). */
    default void messagesSent(int count) {
    }

    /** {@code bytes} were written into the kernel object (framing included). */
    default void bytesSent(long bytes) {
    }

    /**
     * A receive had no outstanding demand for {@code nanos}: its subscriber was holding the
     * producer back, since nothing is read without demand. Reported when demand comes back, or
     * when the stream ends.
     */
    default void noDemand(long nanos) {
    }

    /**
     * A send waited {@code nanos} because the kernel object was full (a pipe without room, a
     * queue at its limit, a ring without space). Reported when the wait ends.
     */
    default void sendStalled(long nanos) {
    }

    /** A resource (a child process, a FIFO end, a queue, a ring) was opened. */
    default void opened() {
    }

    /** A resource reported by {@link #opened()} was released. */
    default void closed() {
    }

    /**
     * A recorder whose meters go to Micrometer's global registry ({@code Metrics.globalRegistry},
     * which Spring Boot's registry joins by default), named with the {@code interflux.} prefix
     * and tagged {@code mechanism} and {@code name}:
     * <ul>
     *   <li>{@code interflux.messages.received}, {@code interflux.messages.sent} (counters);</li>
     *   <li>{@code interflux.bytes.received}, {@code interflux.bytes.sent} (counters, bytes);</li>
     *   <li>{@code interflux.receive.no.demand} (a timer: each period a receive had no demand);</li>
     *   <li>{@code interflux.send.stalls} (a timer: each wait of a send on a full kernel object);</li>
     *   <li>{@code interflux.resources.open} (a gauge).</li>
     * </ul>
     * Recorders of the same mechanism and name share their meters.
     *
     * @param mechanism the transport, as the specs name it: {@code pipe}, {@code fifo},
     *                  {@code posix-mq}, {@code sysv-mq}, {@code shm-ring}
     * @param name      a fixed name chosen by the user, 1 to 64 characters of
     *                  {@code [A-Za-z0-9._-]}; never a per-request value, a pid or a path, since
     *                  every distinct name is a new set of meters
     * @throws IllegalStateException    when {@code io.micrometer:micrometer-core} is not on the
     *                                  class path
     * @throws IllegalArgumentException when the name is not of that form
     */
    static MetricsRecorder micrometer(String mechanism, String name) {
        return Metering.micrometer(mechanism, name);
    }
}
