package io.interflux.spring.autoconfigure;

import io.interflux.EventLoop;
import io.interflux.MetricsRecorder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("The Interflux auto-configuration")
class InterfluxAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InterfluxAutoConfiguration.class));

    @Test
    @DisplayName("gives an event loop sized and named by interflux.event-loop.*, and disposes it when the context closes")
    void loopFromProperties() {
        AtomicReference<EventLoop> seen = new AtomicReference<>();
        runner.withPropertyValues("interflux.event-loop.threads=3", "interflux.event-loop.name=app-ipc")
                .run(context -> {
                    assertThat(context).hasSingleBean(EventLoop.class);
                    EventLoop loop = context.getBean(EventLoop.class);
                    seen.set(loop);
                    assertThat(loop).isNotSameAs(EventLoop.shared());
                    assertThat(loopThreads("app-ipc-")).hasSize(3);
                    assertThat(loop.isDisposed()).isFalse();
                });
        assertThat(seen.get().isDisposed()).as("disposed with the context").isTrue();
        assertThat(loopThreads("app-ipc-")).as("its threads stopped before the close returned").isEmpty();
    }

    @Test
    @DisplayName("an application's own event loop wins, and is left for the application to dispose")
    void userLoopWins() {
        EventLoop own = EventLoop.create("users-own", 1);
        try {
            runner.withUserConfiguration(OwnLoop.class).withBean("own", EventLoop.class, () -> own)
                    .run(context -> {
                        assertThat(context).hasSingleBean(EventLoop.class);
                        assertThat(context.getBean(EventLoop.class)).isSameAs(own);
                        assertThat(context).doesNotHaveBean(InterfluxAutoConfiguration.EventLoopLifecycle.class);
                    });
            assertThat(own.isDisposed()).isFalse();
        } finally {
            own.disposeLater().block(java.time.Duration.ofSeconds(10));
        }
    }

    @Test
    @DisplayName("a thread count below 1 is refused, naming the property")
    void badThreads() {
        runner.withPropertyValues("interflux.event-loop.threads=0").run(context ->
                assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("interflux.event-loop.threads must be at least 1 but it was 0"));
    }

    @Test
    @DisplayName("metrics are off unless interflux.metrics.enabled=true")
    void metricsOptIn() {
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .run(context -> assertThat(context).doesNotHaveBean(InterfluxMeters.class));
    }

    @Test
    @DisplayName("with interflux.metrics.enabled=true, recorders put their meters into the application's registry")
    void metricsIntoTheAppsRegistry() {
        runner.withPropertyValues("interflux.metrics.enabled=true")
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .run(context -> {
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    InterfluxMeters meters = context.getBean(InterfluxMeters.class);
                    assertThat(meters.registry()).isSameAs(registry);
                    MetricsRecorder recorder = meters.recorder("fifo", "inbox");
                    recorder.messagesReceived(3);
                    recorder.opened();
                    assertThat(registry.get("interflux.messages.received").tags("mechanism", "fifo", "name", "inbox")
                            .counter().count()).isEqualTo(3);
                    assertThat(registry.get("interflux.resources.open").tags("mechanism", "fifo", "name", "inbox")
                            .gauge().value()).isEqualTo(1);
                    recorder.closed();
                    assertThat(meters.recorder("fifo", "inbox")).as("one recorder per name").isSameAs(recorder);
                });
    }

    @Test
    @DisplayName("without a registry bean the meters go to Micrometer's global registry; without Micrometer there is no bean and no failure")
    void metricsWithoutRegistry() {
        runner.withPropertyValues("interflux.metrics.enabled=true").run(context ->
                assertThat(context.getBean(InterfluxMeters.class).registry())
                        .isSameAs(io.micrometer.core.instrument.Metrics.globalRegistry));
        runner.withPropertyValues("interflux.metrics.enabled=true")
                .withClassLoader(new FilteredClassLoader(MeterRegistry.class))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(InterfluxMeters.class);
                    assertThat(context).hasSingleBean(EventLoop.class);
                });
    }

    @Test
    @DisplayName("the configuration metadata describes every property, for IDEs")
    void metadata() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("generated by spring-boot-configuration-processor").isNotNull();
            String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(json).contains("\"interflux.event-loop.threads\"", "\"interflux.event-loop.name\"",
                    "\"interflux.event-loop.shutdown-timeout\"", "\"interflux.metrics.enabled\"");
        }
    }

    private static Set<String> loopThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).filter(n -> n.startsWith(prefix))
                .collect(Collectors.toSet());
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnLoop {
        @Bean
        String marker() {
            return "an application configuration";
        }
    }
}
