package io.interflux.spring.autoconfigure;

import io.interflux.MetricsRecorder;
import io.interflux.internal.metrics.MicrometerRecorder;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Objects;

/**
 * Recorders for the application's endpoints whose meters go into the application's
 * {@link MeterRegistry}: the bean that {@code interflux.metrics.enabled=true} offers. The meters
 * are those of {@link MetricsRecorder#micrometer(String, String)} ({@code interflux.messages.received},
 * {@code interflux.send.stalls}, ...), tagged with the mechanism and the name given here.
 *
 * <pre>{@code
 * @Bean
 * Flux<String> inbox(InterfluxMeters meters) {
 *     return Fifo.at(Path.of("/run/app/inbox")).codec(Codec.utf8())
 *             .metrics(meters.recorder("fifo", "inbox")).receive();
 * }
 * }</pre>
 */
public final class InterfluxMeters {

    private final MeterRegistry registry;
    /** One recorder per mechanism and name, as long as this bean (and its registry) lives. */
    private final java.util.Map<java.util.List<String>, MetricsRecorder> recorders = new java.util.concurrent.ConcurrentHashMap<>();

    public InterfluxMeters(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * The recorder for {@code name} of {@code mechanism} ({@code pipe}, {@code fifo},
     * {@code posix-mq}, {@code sysv-mq}, {@code shm-ring}): a fixed name, 1 to 64 characters of
     * {@code [A-Za-z0-9._-]}. The same mechanism and name give the same recorder.
     */
    public MetricsRecorder recorder(String mechanism, String name) {
        return recorders.computeIfAbsent(java.util.List.of(mechanism, name),
                k -> MicrometerRecorder.create(registry, mechanism, name));
    }

    /** The registry the meters go to. */
    public MeterRegistry registry() {
        return registry;
    }
}
