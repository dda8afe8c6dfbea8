package io.interflux.fifo;

import io.interflux.Codec;
import io.interflux.MetricsRecorder;
import io.interflux.testkit.ChildJvm;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
@DisplayName("FIFO metrics")
class FifoMetricsTest {

    private static final Duration LIMIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final List<Disposable> opened = new ArrayList<>();

    @BeforeEach
    void join() {
        Metrics.addRegistry(registry);
    }

    @AfterEach
    void release() {
        opened.forEach(Disposable::dispose);
        Metrics.removeRegistry(registry);
        registry.close();
    }

    private <R extends Disposable> R keep(R r) {
        opened.add(r);
        return r;
    }

    private double counter(String meter, String name) {
        return registry.get(meter).tags("mechanism", "fifo", "name", name).counter().count();
    }

    private double gauge(String name) {
        return registry.get("interflux.resources.open").tags("mechanism", "fifo", "name", name).gauge().value();
    }

    private Timer timer(String meter, String name) {
        return registry.get(meter).tags("mechanism", "fifo", "name", name).timer();
    }

    @Test
    @DisplayName("metrics(name) counts messages and bytes each way, framing included, and the ends open")
    void countsBothWays() {
        FifoSpec<String> spec = Fifo.at(dir.resolve("counted")).codec(Codec.utf8()).metrics("counted");
        FifoReader<String> reader = keep(spec.openReader().block(LIMIT));
        FifoWriter<String> writer = keep(spec.openWriter().block(LIMIT));
        assertThat(gauge("counted")).as("a reader and a writer open").isEqualTo(2);

        List<String> lines = new ArrayList<>();
        long bytes = 0;
        for (int i = 0; i < 1000; i++) {
            String line = "line " + i;
            lines.add(line);
            bytes += line.length() + 1; // and its newline
        }
        writer.send(Flux.fromIterable(lines)).block(LIMIT);
        writer.dispose();
        StepVerifier.create(reader.receive()).expectNextSequence(lines).expectComplete().verify(LIMIT);

        assertThat(counter("interflux.messages.sent", "counted")).isEqualTo(1000);
        assertThat(counter("interflux.bytes.sent", "counted")).isEqualTo(bytes);
        assertThat(counter("interflux.messages.received", "counted")).isEqualTo(1000);
        assertThat(counter("interflux.bytes.received", "counted")).isEqualTo(bytes);
        assertThat(gauge("counted")).as("both ends closed").isZero();
    }

    @Test
    @DisplayName("a reader without demand records how long it held the writer back, and the writer its wait on the full FIFO")
    void noDemandAndStalls() {
        FifoSpec<String> spec = Fifo.at(dir.resolve("held")).codec(Codec.utf8()).metrics("held");
        FifoReader<String> reader = keep(spec.openReader().block(LIMIT));
        FifoWriter<String> writer = keep(spec.openWriter().block(LIMIT));
        AtomicInteger emitted = new AtomicInteger();
        AtomicLong received = new AtomicLong();

        StepVerifier.create(reader.receive(), 0)
                .then(() -> {
                    // fill the FIFO while nobody asks: the emitter says when the kernel is full
                    while (writer.emitter().tryEmitNext("filler") == Sinks.EmitResult.OK) {
                        emitted.incrementAndGet();
                    }
                    // a send now finds the FIFO full and waits for room
                    writer.send(Flux.range(0, 10).map(i -> "after " + i)).then(reactor.core.publisher.Mono.fromRunnable(writer::dispose))
                            .subscribe();
                    assertThat(timer("interflux.receive.no.demand", "held").count())
                            .as("the period without demand is reported when it ends").isZero();
                })
                .thenRequest(Long.MAX_VALUE)
                .thenConsumeWhile(line -> received.incrementAndGet() > 0)
                .expectComplete()
                .verify(LIMIT);

        assertThat(received.get()).isEqualTo(emitted.get() + 10L);
        Timer noDemand = timer("interflux.receive.no.demand", "held");
        assertThat(noDemand.count()).isGreaterThanOrEqualTo(1);
        assertThat(noDemand.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS)).isPositive();
        Timer stalls = timer("interflux.send.stalls", "held");
        assertThat(stalls.count()).as("the send waited at least once for room").isGreaterThanOrEqualTo(1);
        assertThat(counter("interflux.messages.sent", "held")).as("emitted and sent").isEqualTo(emitted.get() + 10.0);
    }

    @Test
    @DisplayName("a recorder of one's own hears the same events")
    void ownRecorder() {
        AtomicLong in = new AtomicLong();
        AtomicLong out = new AtomicLong();
        AtomicInteger open = new AtomicInteger();
        MetricsRecorder recorder = new MetricsRecorder() {
            @Override
            public void messagesReceived(int count) {
                in.addAndGet(count);
            }

            @Override
            public void messagesSent(int count) {
                out.addAndGet(count);
            }

            @Override
            public void opened() {
                open.incrementAndGet();
            }

            @Override
            public void closed() {
                open.decrementAndGet();
            }
        };
        FifoSpec<String> spec = Fifo.at(dir.resolve("own")).codec(Codec.utf8()).metrics(recorder);
        FifoReader<String> reader = keep(spec.openReader().block(LIMIT));
        FifoWriter<String> writer = keep(spec.openWriter().block(LIMIT));
        assertThat(open.get()).isEqualTo(2);
        writer.send(Flux.just("a", "b", "c")).block(LIMIT);
        writer.dispose();
        StepVerifier.create(reader.receive()).expectNext("a", "b", "c").expectComplete().verify(LIMIT);
        assertThat(out.get()).isEqualTo(3);
        assertThat(in.get()).isEqualTo(3);
        assertThat(open.get()).isZero();
        assertThat(registry.find("interflux.messages.sent").meters()).as("nothing went to Micrometer").isEmpty();
    }

    @Test
    @DisplayName("a metrics name must be a short fixed name, not a path")
    void boundedNames() {
        FifoSpec<byte[]> spec = Fifo.at(dir.resolve("named"));
        assertThatThrownBy(() -> spec.metrics(dir.resolve("named").toString()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a metrics name must be");
        assertThatThrownBy(() -> spec.metrics(""))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("without micrometer-core, metrics(true) fails naming the dependency; without metrics nothing of Micrometer is loaded")
    void micrometerOptional() {
        Path fifo = dir.resolve("optional");
        ChildJvm.Finished without = ChildJvm.of(MetricsPeer.class, "ask", fifo.toString())
                .withoutClassPathEntries("micrometer-").run(Duration.ofSeconds(60));
        assertThat(without.exitCode()).as(without.toString()).isZero();
        assertThat(without.stdout()).contains("refused: metrics need io.micrometer:micrometer-core on the class path");

        ChildJvm.Finished unasked = ChildJvm.of(MetricsPeer.class, "unasked", fifo.toString())
                .addJvmOptions("-Xlog:class+load=info:stdout").run(Duration.ofSeconds(60));
        assertThat(unasked.exitCode()).as(unasked.toString()).isZero();
        assertThat(unasked.stdout()).as("the child did its FIFO work").contains("io.interflux.internal.drain.MessageReceive")
                .contains("received 3 lines");
        assertThat(unasked.stdout().lines().filter(l -> l.contains("io.micrometer"))).as("Micrometer classes loaded").isEmpty();
    }
}
