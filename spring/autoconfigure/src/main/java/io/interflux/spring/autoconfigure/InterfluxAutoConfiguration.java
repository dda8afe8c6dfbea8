package io.interflux.spring.autoconfigure;

import io.interflux.EventLoop;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;

/**
 * The Interflux {@link EventLoop} as a bean: sized by {@code interflux.event-loop.threads}, named
 * by {@code interflux.event-loop.name}, and disposed when the application context closes, after
 * the beans that use it (a bean that depends on the loop is destroyed first). An application's
 * own {@code EventLoop} bean takes its place, and stays the application's to dispose.
 *
 * <pre>{@code
 * @Bean
 * Flux<String> inbox(EventLoop loop) {
 *     return Fifo.at(Path.of("/run/app/inbox")).codec(Codec.utf8()).eventLoop(loop).receive();
 * }
 * }</pre>
 *
 * <p>With {@code interflux.metrics.enabled=true} and micrometer-core on the class path, an
 * {@link InterfluxMeters} bean gives recorders whose meters go into the application's
 * {@code MeterRegistry} (or Micrometer's global one when the application has none).
 */
@AutoConfiguration
@ConditionalOnClass(EventLoop.class)
@EnableConfigurationProperties(InterfluxProperties.class)
public class InterfluxAutoConfiguration {

    /** Only when the application has no loop of its own: then the loop is ours to dispose. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(EventLoop.class)
    static class OwnLoop {

        /** The loop, disposed by {@link EventLoopLifecycle} rather than by a destroy method Spring infers. */
        @Bean(destroyMethod = "")
        EventLoop interfluxEventLoop(InterfluxProperties properties) {
            InterfluxProperties.EventLoop p = properties.getEventLoop();
            return EventLoop.create(p.getName(), p.threadsOrDefault());
        }

        @Bean
        EventLoopLifecycle interfluxEventLoopLifecycle(EventLoop interfluxEventLoop, InterfluxProperties properties) {
            return new EventLoopLifecycle(interfluxEventLoop, properties.getEventLoop().getShutdownTimeout());
        }
    }

    /** Only when asked for, and when Micrometer is there: nothing of it is loaded otherwise. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
    @ConditionalOnProperty(prefix = "interflux.metrics", name = "enabled", havingValue = "true")
    static class Meters {

        @Bean
        @ConditionalOnMissingBean
        InterfluxMeters interfluxMeters(ObjectProvider<MeterRegistry> registry) {
            return new InterfluxMeters(registry.getIfAvailable(() -> io.micrometer.core.instrument.Metrics.globalRegistry));
        }
    }

    /**
     * Disposes an {@link EventLoop} on context close and waits up to a timeout for its threads to
     * stop. Runs on the thread that closes the context, never on a loop thread, so waiting there
     * is allowed. The shared loop ({@link EventLoop#shared()}) is never disposed: other code in
     * the JVM may use it.
     */
    public static final class EventLoopLifecycle implements DisposableBean {
        private final EventLoop loop;
        private final Duration timeout;

        public EventLoopLifecycle(EventLoop loop, Duration timeout) {
            this.loop = loop;
            this.timeout = timeout;
        }

        @Override
        public void destroy() {
            if (loop != EventLoop.shared()) {
                loop.disposeLater().block(timeout);
            }
        }
    }
}
