package io.interflux.it.signal;

import io.interflux.UnixSignal;
import io.interflux.testkit.ChildJvm;
import io.interflux.it.support.ChildLines;
import io.interflux.it.support.OsResources;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.Stdio;
import io.interflux.signal.Signals;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 10,000 SIGUSR1 fired at a child JVM as fast as {@code kill(2)} goes, while one of its two
 * subscribers is deliberately slow.
 */
@Timeout(90)
@DisplayName("A storm of 10,000 signals")
class SignalStormIT {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final int SENT = 10_000;

    @RegisterExtension
    final OsResources os = new OsResources();

    /** One {@code stats} reply: per subscriber delivered, missed, last sequence; then heap and threads. */
    static final class Stats {
        final long[] v;

        Stats(String line) {
            String[] f = line.split(" ");
            v = new long[f.length - 1];
            for (int i = 1; i < f.length; i++) {
                v[i - 1] = Long.parseLong(f[i]);
            }
        }

        long fastDelivered() { return v[0]; }
        long fastMissed() { return v[1]; }
        long fastLast() { return v[2]; }
        long slowDelivered() { return v[3]; }
        long slowMissed() { return v[4]; }
        long slowLast() { return v[5]; }
        long pausedDelivered() { return v[6]; }
        long pausedMissed() { return v[7]; }
        long pausedLast() { return v[8]; }
        long heap() { return v[9]; }
        long threads() { return v[10]; }

        @Override
        public String toString() {
            return java.util.Arrays.toString(v);
        }
    }

    static Stats stats(ChildProcess child, ChildLines lines) throws InterruptedException {
        child.send(Mono.just("stats\n".getBytes(StandardCharsets.US_ASCII))).block(WAIT);
        return new Stats(lines.awaitStartingWith("stats ", WAIT));
    }

    @Test
    @DisplayName("neither crashes nor deadlocks nor grows memory, and delivered + missed accounts for every delivery, <= sent")
    void storm() throws InterruptedException {
        ChildProcess child = os.track(ChildJvm.of(SignalReporter.class, "storm")
                .jvmOptions("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
                .as(ChildProcess::command).stderr(Stdio.inherit()).start().block(WAIT));
        ChildLines lines = os.track(new ChildLines(child));
        assertThat(lines.next(WAIT)).isEqualTo("ready");
        Stats before = stats(child, lines);

        // ten bursts of 1,000; after each, wait for one delivery to have landed, so that the
        // kernel's merging (heavy when this machine is busy) still leaves several deliveries
        long seen = 0;
        for (int burst = 0; burst < 10; burst++) {
            for (int i = 0; i < SENT / 10; i++) {
                Signals.send(child.pid(), UnixSignal.SIGUSR1).block(WAIT);
            }
            long deadline = System.nanoTime() + WAIT.toNanos();
            Stats s = stats(child, lines);
            while (s.fastLast() == seen && System.nanoTime() < deadline) {
                s = stats(child, lines);
            }
            assertThat(s.fastLast()).as("a delivery from burst " + burst).isGreaterThan(seen);
            seen = s.fastLast();
        }

        // the JVM dispatches its backlog of deliveries one thread at a time, after kill(2) has
        // returned: the storm is over once both subscribers hold the same last sequence and it
        // has not moved for a second
        Stats now = stats(child, lines);
        long quietSince = System.nanoTime();
        long deadline = quietSince + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Stats next = stats(child, lines);
            if (next.fastLast() != now.fastLast() || next.slowLast() != now.slowLast()
                    || next.fastLast() != next.slowLast()) {
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince > Duration.ofSeconds(1).toNanos()) {
                now = next;
                break;
            }
            now = next;
        }
        Stats after = now;
        System.out.printf("signal storm: sent %d, JVM deliveries %d; fast subscriber %d delivered + %d missed;"
                        + " slow subscriber %d delivered + %d missed; paused subscriber %d delivered during the storm;"
                        + " heap %d -> %d KiB; threads %d -> %d%n",
                SENT, after.fastLast(), after.fastDelivered(), after.fastMissed(), after.slowDelivered(), after.slowMissed(),
                after.pausedDelivered(),
                before.heap() >> 10, after.heap() >> 10, before.threads(), after.threads());

        assertThat(after.fastLast()).as("settled: " + after).isEqualTo(after.slowLast());
        assertThat(after.fastLast()).as("deliveries (the kernel merges pending ones)").isPositive().isLessThanOrEqualTo(SENT);
        assertThat(after.fastDelivered() + after.fastMissed()).as("fast: delivered + missed").isEqualTo(after.fastLast());
        assertThat(after.slowDelivered() + after.slowMissed()).as("slow: delivered + missed").isEqualTo(after.slowLast());
        assertThat(after.fastLast()).as("at least one delivery per burst").isGreaterThanOrEqualTo(10);
        assertThat(after.pausedDelivered()).as("the paused subscriber's one requested event").isEqualTo(1);

        // demand again: the paused subscriber gets the latest delivery, and a count of the rest
        child.send(Mono.just("resume\n".getBytes(StandardCharsets.US_ASCII))).block(WAIT);
        Stats resumed = stats(child, lines);
        for (long end = System.nanoTime() + WAIT.toNanos(); resumed.pausedDelivered() < 2 && System.nanoTime() < end; ) {
            resumed = stats(child, lines);
        }
        assertThat(resumed.pausedDelivered()).as("paused subscriber's events").isEqualTo(2);
        assertThat(resumed.pausedLast()).isEqualTo(after.fastLast());
        assertThat(resumed.pausedMissed()).as("paused subscriber's missed").isEqualTo(after.fastLast() - 2);
        assertThat(after.heap() - before.heap()).as("heap growth after GC").isLessThan(8L << 20);
        assertThat(after.threads()).as("threads left behind").isLessThanOrEqualTo(before.threads() + 4);

        // still alive and listening
        Signals.send(child.pid(), UnixSignal.SIGUSR1).block(WAIT);
        long last = after.fastLast();
        Stats probe = stats(child, lines);
        for (long end = System.nanoTime() + WAIT.toNanos(); probe.fastLast() == last && System.nanoTime() < end; ) {
            probe = stats(child, lines);
        }
        assertThat(probe.fastLast()).as("deliveries still arrive after the storm").isGreaterThan(last);
        assertThat(probe.fastDelivered() + probe.fastMissed()).isEqualTo(probe.fastLast());

        child.closeStdin().block(WAIT);
        assertThat(child.exit().block(WAIT)).isZero();
    }
}
