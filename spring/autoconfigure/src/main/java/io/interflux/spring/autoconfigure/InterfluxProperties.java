package io.interflux.spring.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;

/**
 * Interflux's settings in a Spring Boot application, under {@code interflux.}.
 *
 * <pre>
 * interflux.event-loop.threads=2
 * interflux.event-loop.name=ipc
 * interflux.event-loop.shutdown-timeout=10s
 * interflux.metrics.enabled=true
 * </pre>
 */
@ConfigurationProperties("interflux")
public class InterfluxProperties {

    private final EventLoop eventLoop = new EventLoop();
    private final Metrics metrics = new Metrics();

    /** The event loop the application's Interflux endpoints run on. */
    public EventLoop getEventLoop() {
        return eventLoop;
    }

    /** Micrometer meters for the application's endpoints. */
    public Metrics getMetrics() {
        return metrics;
    }

    /** The settings of the {@code InterfluxMeters} bean. */
    public static class Metrics {

        /**
         * Whether to offer an InterfluxMeters bean, whose recorders put the meters of the specs
         * given them into the application's MeterRegistry. Needs micrometer-core.
         */
        private boolean enabled;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** The settings of the {@link io.interflux.EventLoop} bean. */
    public static class EventLoop {

        /**
         * Threads of the event loop; by default half the processors, between 1 and 4 (what
         * EventLoop.shared() takes). Each thread multiplexes any number of descriptors.
         */
        private Integer threads;

        /** Prefix of the loop's thread names: NAME-1, NAME-2, ... */
        private String name = "interflux";

        /** How long closing the application context waits for the loop's threads to stop. */
        private Duration shutdownTimeout = Duration.ofSeconds(10);

        public Integer getThreads() {
            return threads;
        }

        public void setThreads(Integer threads) {
            this.threads = threads;
        }

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public Duration getShutdownTimeout() {
            return shutdownTimeout;
        }

        public void setShutdownTimeout(Duration shutdownTimeout) {
            this.shutdownTimeout = shutdownTimeout;
        }

        /** The thread count to use: the one set, else EventLoop.shared()'s default. */
        int threadsOrDefault() {
            if (threads == null) {
                return io.interflux.EventLoop.defaultThreads();
            }
            if (threads < 1) {
                throw new IllegalArgumentException("interflux.event-loop.threads must be at least 1 but it was " + threads);
            }
            return threads;
        }
    }
}
