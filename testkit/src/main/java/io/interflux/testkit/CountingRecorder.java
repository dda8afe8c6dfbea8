package io.interflux.testkit;

import io.interflux.MetricsRecorder;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link MetricsRecorder} that adds up what it is told, for tests that check what an endpoint
 * reports without a Micrometer registry: {@code spec.metrics(recorder)}.
 *
 * <pre>{@code
 * CountingRecorder metrics = new CountingRecorder();
 * PosixQueue q = PosixQueue.named("/jobs").metrics(metrics).openNow(Duration.ofSeconds(5));
 * q.send(Flux.just(a, b, c)).block();
 * assertThat(metrics.messagesSent()).isEqualTo(3);
 * }</pre>
 */
public final class CountingRecorder implements MetricsRecorder {

    private final AtomicLong messagesReceived = new AtomicLong();
    private final AtomicLong bytesReceived = new AtomicLong();
    private final AtomicLong messagesSent = new AtomicLong();
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong noDemandPeriods = new AtomicLong();
    private final AtomicLong noDemandNanos = new AtomicLong();
    private final AtomicLong sendStalls = new AtomicLong();
    private final AtomicLong sendStallNanos = new AtomicLong();
    private final AtomicLong open = new AtomicLong();
    private final AtomicLong opened = new AtomicLong();

    @Override
    public void messagesReceived(int count) {
        messagesReceived.addAndGet(count);
    }

    @Override
    public void bytesReceived(long bytes) {
        bytesReceived.addAndGet(bytes);
    }

    @Override
    public void messagesSent(int count) {
        messagesSent.addAndGet(count);
    }

    @Override
    public void bytesSent(long bytes) {
        bytesSent.addAndGet(bytes);
    }

    @Override
    public void noDemand(long nanos) {
        noDemandPeriods.incrementAndGet();
        noDemandNanos.addAndGet(nanos);
    }

    @Override
    public void sendStalled(long nanos) {
        sendStalls.incrementAndGet();
        sendStallNanos.addAndGet(nanos);
    }

    @Override
    public void opened() {
        open.incrementAndGet();
        opened.incrementAndGet();
    }

    @Override
    public void closed() {
        open.decrementAndGet();
    }

    /** Messages delivered to subscribers. */
    public long messagesReceived() {
        return messagesReceived.get();
    }

    /** Bytes taken from the kernel object. */
    public long bytesReceived() {
        return bytesReceived.get();
    }

    /** Messages put into the kernel object. */
    public long messagesSent() {
        return messagesSent.get();
    }

    /** Bytes written into the kernel object. */
    public long bytesSent() {
        return bytesSent.get();
    }

    /** Periods a receive had no demand, each reported when it ended. */
    public long noDemandPeriods() {
        return noDemandPeriods.get();
    }

    /** The time of those periods together, in nanoseconds. */
    public long noDemandNanos() {
        return noDemandNanos.get();
    }

    /** Waits of a send on a full kernel object. */
    public long sendStalls() {
        return sendStalls.get();
    }

    /** The time of those waits together, in nanoseconds. */
    public long sendStallNanos() {
        return sendStallNanos.get();
    }

    /** Resources open now: opened and not yet closed. */
    public long open() {
        return open.get();
    }

    /** Resources opened in all. */
    public long openedInAll() {
        return opened.get();
    }

    @Override
    public String toString() {
        return "CountingRecorder[received " + messagesReceived + " messages/" + bytesReceived + " bytes, sent "
                + messagesSent + "/" + bytesSent + ", no-demand periods " + noDemandPeriods + ", stalls " + sendStalls
                + ", open " + open + "]";
    }
}
