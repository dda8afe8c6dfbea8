package io.interflux.internal.metrics;

import io.interflux.MetricsRecorder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Micrometer recorder: one set of meters per registry, mechanism and name. Only code that has
 * made sure Micrometer is present refers to this class: {@link Metering}, after its check, and
 * the Spring Boot auto-configuration, which is conditional on it.
 */
public final class MicrometerRecorder implements MetricsRecorder {

    /**
     * Per mechanism and name, in the global registry: the meters are registered once and shared
     * by every spec using them (a second gauge of the same name would be ignored by the registry,
     * and the resources it counted lost).
     */
    private static final Map<List<String>, MicrometerRecorder> RECORDERS = new ConcurrentHashMap<>();

    private final Counter messagesReceived;
    private final Counter bytesReceived;
    private final Counter messagesSent;
    private final Counter bytesSent;
    private final Timer noDemand;
    private final Timer sendStalls;
    /** Held here, strongly: a gauge keeps only a weak reference to what it reads. */
    private final AtomicLong open = new AtomicLong();

    private MicrometerRecorder(MeterRegistry registry, Tags tags) {
        messagesReceived = Counter.builder("interflux.messages.received").tags(tags)
                .description("Messages (frames of a byte stream) delivered to subscribers").register(registry);
        bytesReceived = Counter.builder("interflux.bytes.received").tags(tags).baseUnit("bytes")
                .description("Bytes taken from the kernel object, framing included").register(registry);
        messagesSent = Counter.builder("interflux.messages.sent").tags(tags)
                .description("Messages put into the kernel object").register(registry);
        bytesSent = Counter.builder("interflux.bytes.sent").tags(tags).baseUnit("bytes")
                .description("Bytes written into the kernel object, framing included").register(registry);
        noDemand = Timer.builder("interflux.receive.no.demand").tags(tags)
                .description("Periods a receive had no outstanding demand: its consumer held the producer back")
                .register(registry);
        sendStalls = Timer.builder("interflux.send.stalls").tags(tags)
                .description("Waits of a send on a full kernel object").register(registry);
        Gauge.builder("interflux.resources.open", open, AtomicLong::get).tags(tags)
                .description("Resources open (child processes, FIFO ends, queues, rings)").register(registry);
    }

    static MetricsRecorder of(String mechanism, String name) {
        return RECORDERS.computeIfAbsent(List.of(mechanism, name),
                k -> new MicrometerRecorder(Metrics.globalRegistry, Tags.of("mechanism", mechanism, "name", name)));
    }

    /**
     * A new recorder of {@code mechanism} and {@code name} in {@code registry}, the name checked as
     * {@link MetricsRecorder#micrometer(String, String)} checks it. Not cached here: whoever holds
     * the registry keeps one recorder per mechanism and name (and so does not keep the registry
     * alive past its own life).
     */
    public static MetricsRecorder create(MeterRegistry registry, String mechanism, String name) {
        java.util.Objects.requireNonNull(registry, "registry");
        Metering.checkTags(mechanism, name);
        return new MicrometerRecorder(registry, Tags.of("mechanism", mechanism, "name", name));
    }

    @Override
    public void messagesReceived(int count) {
        messagesReceived.increment(count);
    }

    @Override
    public void bytesReceived(long bytes) {
        bytesReceived.increment(bytes);
    }

    @Override
    public void messagesSent(int count) {
        messagesSent.increment(count);
    }

    @Override
    public void bytesSent(long bytes) {
        bytesSent.increment(bytes);
    }

    @Override
    public void noDemand(long nanos) {
        noDemand.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void sendStalled(long nanos) {
        sendStalls.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void opened() {
        open.incrementAndGet();
    }

    @Override
    public void closed() {
        open.decrementAndGet();
    }
}
