package io.interflux.it.shm;

import io.interflux.Codec;
import io.interflux.Creation;
import io.interflux.Framing;
import io.interflux.it.support.OsResources;
import io.interflux.it.support.ProcessProbe;
import io.interflux.pipe.ChildProcess;
import io.interflux.shm.RingMessage;
import io.interflux.shm.SharedRing;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A consumer in a child JVM subscribed to a ring nobody writes to: it sleeps on its doorbell,
 * costing no CPU (measured from {@code /proc/<pid>/stat}), and a single record wakes it.
 */
@Timeout(60)
@DisplayName("An idle shared ring")
class ShmIdleIT {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final Duration IDLE = Duration.ofSeconds(10);

    @RegisterExtension
    final OsResources os = new OsResources();

    SharedRing create(RingFiles files) {
        os.onRelease("remove " + files, files::remove);
        return os.track(SharedRing.named(files.name()).creation(Creation.CREATE_NEW).capacity(4096).openNow(WAIT));
    }

    Peer idleConsumer(RingFiles files) {
        Peer consumer = Peer.start(os, RingPeer.jvm("idle", files.name()).as(ChildProcess::command));
        consumer.expect("ready");
        return consumer;
    }

    /** {@code getconf CLK_TCK}: the clock ticks per second that {@code /proc} counts CPU time in. */
    long clockTicksPerSecond() {
        ChildProcess getconf = os.track(ChildProcess.command("getconf", "CLK_TCK").start().block(WAIT));
        String hz = getconf.stdout(Framing.lines(), Codec.utf8()).blockFirst(WAIT);
        assertThat(getconf.exit().block(WAIT)).isZero();
        return Long.parseLong(hz.trim());
    }

    /** CPU ticks by thread, "name (tid)". */
    static Map<String, Long> threadTicks(ProcessProbe process) {
        Map<String, Long> ticks = new TreeMap<>();
        for (ProcessProbe t : process.threads()) {
            ticks.put(t.name() + " (" + t.pid() + ")", t.cpuTicks());
        }
        return ticks;
    }

    @Test
    @DisplayName("costs its subscribed consumer in a child JVM no CPU while nothing comes: under 1 s of CPU time in 10 s, JIT and GC threads included")
    void idleConsumerCostsNoCpu() {
        RingFiles files = RingFiles.unique("idle");
        create(files);
        Peer consumer = idleConsumer(files);
        long hz = clockTicksPerSecond();
        ProcessProbe probe = ProcessProbe.of(consumer.pid());
        Map<String, Long> threadsBefore = threadTicks(probe);
        long before = probe.cpuTicks();

        consumer.expectNone(IDLE);

        long used = probe.cpuTicks() - before;
        Map<String, Long> threadsAfter = threadTicks(probe);
        String busiest = threadsAfter.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - threadsBefore.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .map(e -> e.getKey() + " " + e.getValue() * 1000 / hz + " ms")
                .collect(Collectors.joining(", "));
        long ms = used * 1000 / hz;
        System.out.println("[shm] idle consumer used " + ms + " ms CPU in " + IDLE.toSeconds() + " s ("
                + hz + " ticks/s; by thread: " + (busiest.isEmpty() ? "none" : busiest) + ")");
        assertThat(ms).as("ms of CPU the idle consumer's JVM used in %s", IDLE).isLessThan(1000);
    }

    @Test
    @DisplayName("wakes its sleeping consumer in a child JVM for a single record, each of 5 times: the latency from send to arrival, measured")
    void singleRecordWakesTheConsumer() {
        RingFiles files = RingFiles.unique("wake");
        SharedRing ring = create(files);
        Peer consumer = idleConsumer(files);
        List<Long> micros = new ArrayList<>();

        for (int i = 0; i < 5; i++) {
            // long past the consumer's spin (50 µs): it sleeps on its doorbell when the record comes
            consumer.expectNone(Duration.ofMillis(300));
            long sent = System.nanoTime();
            ring.send(Mono.just(RingMessage.of(ByteBuffer.allocate(Long.BYTES).putLong(sent).array()))).block(WAIT);
            String[] got = consumer.next().split(" ");
            assertThat(got[0]).isEqualTo("got");
            assertThat(Long.parseLong(got[2])).as("the send time the record carries").isEqualTo(sent);
            micros.add((Long.parseLong(got[1]) - sent) / 1000);
        }

        List<Long> sorted = micros.stream().sorted().collect(Collectors.toList());
        System.out.println("[shm] wake-up latency of a sleeping consumer in another JVM, send to arrival: "
                + micros.stream().map(m -> m + " µs").collect(Collectors.joining(", ")) + " (median "
                + sorted.get(sorted.size() / 2) + " µs)");
        assertThat(micros).as("µs from send to arrival").allSatisfy(m -> assertThat(m).isBetween(0L, 1_000_000L));
    }
}
