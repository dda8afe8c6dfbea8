package io.interflux.it.shm;

import io.interflux.Creation;
import io.interflux.it.support.OsResources;
import io.interflux.pipe.ChildProcess;
import io.interflux.shm.RingMessage;
import io.interflux.shm.SharedRing;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.test.StepVerifier;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A shared ring fed by a producer written in C ({@link CRingProducer}) from nothing but
 * {@link io.interflux.shm.RingDescriptor}'s javadoc and Agrona's claim algorithm: this JVM receives
 * what it writes, across the ring's wrap-around, waking from the doorbell between bursts; it goes
 * on after the C producer is killed in the middle of a record, skipping only that record, and
 * never skips the record of a C producer that is alive.
 */
@Timeout(60)
@DisplayName("A shared ring fed by a producer written in C")
class ShmCPeerIT {

    static final Duration WAIT = Duration.ofSeconds(30);
    /** The smallest ring of a few pages: records of 12 to 192 bytes go round it every 40 or so. */
    static final int CAPACITY = 4096;

    @TempDir
    static Path compiled;
    private static Path producer;

    @RegisterExtension
    final OsResources os = new OsResources();

    /** The C producer, compiled once for the class; in the test, so that a missing gcc skips it. */
    static synchronized Path producer() throws IOException {
        if (producer == null) {
            producer = CRingProducer.compile(compiled);
        }
        return producer;
    }

    SharedRing create(RingFiles files) {
        os.onRelease("remove " + files, files::remove);
        return os.track(SharedRing.named(files.name()).creation(Creation.CREATE_NEW).capacity(CAPACITY).openNow(WAIT));
    }

    Peer startC(Path exe, String... args) {
        List<String> command = new ArrayList<>();
        command.add(exe.toString());
        command.addAll(List.of(args));
        return Peer.start(os, ChildProcess.command(command));
    }

    /** Checks that {@code m} is record {@code i} of the C producer, type and every byte. */
    static void isRecord(int i, RingMessage m) {
        RingMessage expected = CRingProducer.recordOf(i);
        if (!m.equals(expected)) {
            throw new AssertionError("record " + i + " should be type " + expected.type() + ", " + expected.size()
                    + " bytes, but " + m + " arrived");
        }
    }

    @Test
    @DisplayName("receives 20,000 records the C producer writes flat out into a 4 KiB ring, round it hundreds of times: every type and byte exact, in order")
    void flatOut() throws IOException {
        int count = 20_000;
        Path exe = producer(); // compiled before the clock starts
        RingFiles files = RingFiles.unique("c-flat");
        SharedRing ring = create(files);
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Peer> c = new AtomicReference<>();
        long start = System.nanoTime();

        StepVerifier.create(ring.receive().take(count).doOnNext(m -> isRecord(next.getAndIncrement(), m)).then())
                .expectSubscription()
                .then(() -> c.set(startC(exe, "produce", files.name(), Integer.toString(count), "0")))
                .expectComplete()
                .verify(WAIT);

        long ms = (System.nanoTime() - start) / 1_000_000;
        long laps = CRingProducer.bytesOf(count) / CAPACITY;
        System.out.println("[shm] C producer -> this JVM: " + count + " records, " + laps + " times round a "
                + CAPACITY + "-byte ring, in " + ms + " ms");
        assertThat(next.get()).isEqualTo(count);
        assertThat(laps).as("times round the ring").isGreaterThan(100);
        c.get().expect("attached slot 0");
        assertThat(c.get().next()).startsWith("wrote " + count + " rang ");
        c.get().expectSuccess();
    }

    @Test
    @DisplayName("wakes from its doorbell for each of 25 bursts the C producer writes while this JVM's consumer sleeps")
    void burstsWhileAsleep() throws IOException {
        int bursts = 25;
        int perBurst = 40; // about a ring's worth: each burst also wraps around
        int count = bursts * perBurst;
        Path exe = producer();
        RingFiles files = RingFiles.unique("c-bursts");
        SharedRing ring = create(files);
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Peer> c = new AtomicReference<>();

        // the consumer subscribes first; the C producer waits before each burst until the
        // consumer has stored "sleeping", so only the doorbell can tell it about the burst
        StepVerifier.create(ring.receive().take(count).doOnNext(m -> isRecord(next.getAndIncrement(), m)).then())
                .expectSubscription()
                .then(() -> c.set(startC(exe, "produce", files.name(), Integer.toString(count),
                        Integer.toString(perBurst))))
                .expectComplete()
                .verify(WAIT);

        c.get().expect("attached slot 0");
        String summary = c.get().next();
        assertThat(summary).startsWith("wrote " + count + " rang ");
        long rang = Long.parseLong(summary.substring(summary.lastIndexOf(' ') + 1));
        System.out.println("[shm] C producer rang the doorbell " + rang + " times for " + bursts + " bursts");
        assertThat(rang).as("doorbell rings: at least one per burst").isGreaterThanOrEqualTo(bursts);
        c.get().expectSuccess();
    }

    @ParameterizedTest(name = "killed with its record {0}")
    @ValueSource(strings = {"header", "reserved"})
    @DisplayName("skips the one record a C producer killed mid-write left unfinished, about a second later, and delivers the 100 a Java producer wrote behind it")
    void killedMidWrite(String stage) throws IOException {
        int behind = 100; // 2,400 bytes: all fit behind the unfinished record, so the send completes
        Path exe = producer();
        RingFiles files = RingFiles.unique("c-torn-" + stage);
        SharedRing consumer = create(files);
        SharedRing javaProducer = os.track(SharedRing.named(files.name()).creation(Creation.OPEN_EXISTING)
                .openNow(WAIT));
        AtomicLong firstAt = new AtomicLong();
        AtomicLong killedAt = new AtomicLong();

        StepVerifier.create(consumer.receive().doOnNext(m -> firstAt.compareAndSet(0, System.nanoTime()))
                        .take(behind).map(NumberedRecords::sequence))
                .expectSubscription()
                .then(() -> {
                    Peer c = startC(exe, "hang", files.name(), stage);
                    c.expect("attached slot 0");
                    c.expect("claimed 0");
                    javaProducer.send(NumberedRecords.range(2, behind)).block(WAIT);
                    killedAt.set(System.nanoTime());
                    c.kill();
                })
                .expectNextSequence(LongStream.range(0, behind).boxed().collect(Collectors.toList()))
                .expectComplete()
                .verify(WAIT);

        long ms = (firstAt.get() - killedAt.get()) / 1_000_000;
        System.out.println("[shm] unblocked after " + ms + " ms (C producer killed with its record " + stage + ")");
        assertThat(consumer.skippedRecords()).as("records skipped").isEqualTo(1);
        assertThat(ms).as("ms from the kill to the first record behind the unfinished one").isBetween(0L, 3000L);
    }

    @Test
    @DisplayName("never skips the unfinished record of a C producer that is alive: 1,000 records wait behind it well past a second, and all arrive once it is killed")
    void aliveProducerKeepsItsRecord() throws IOException {
        int behind = 1000; // more than the ring holds: the Java send waits for space behind the unfinished record
        Path exe = producer();
        RingFiles files = RingFiles.unique("c-alive");
        SharedRing consumer = create(files);
        SharedRing javaProducer = os.track(SharedRing.named(files.name()).creation(Creation.OPEN_EXISTING)
                .openNow(WAIT));
        AtomicLong firstAt = new AtomicLong();
        AtomicLong killedAt = new AtomicLong();
        AtomicReference<Peer> c = new AtomicReference<>();

        StepVerifier.create(consumer.receive().doOnNext(m -> firstAt.compareAndSet(0, System.nanoTime()))
                        .take(behind).map(NumberedRecords::sequence))
                .expectSubscription()
                .then(() -> {
                    c.set(startC(exe, "hang", files.name(), "header"));
                    c.get().expect("attached slot 0");
                    c.get().expect("claimed 0");
                    javaProducer.send(NumberedRecords.range(2, behind)).subscribe();
                })
                // the dead-producer bound is about 1.1 s: a live producer's record must outlast it
                .expectNoEvent(Duration.ofMillis(1500))
                .then(() -> {
                    assertThat(consumer.skippedRecords()).isZero();
                    killedAt.set(System.nanoTime());
                    c.get().kill();
                })
                .expectNextSequence(LongStream.range(0, behind).boxed().collect(Collectors.toList()))
                .expectComplete()
                .verify(WAIT);

        long ms = (firstAt.get() - killedAt.get()) / 1_000_000;
        System.out.println("[shm] unblocked after " + ms + " ms (C producer killed after 1.5 s stuck)");
        assertThat(consumer.skippedRecords()).isEqualTo(1);
        assertThat(ms).isBetween(0L, 3000L);
    }


    /** What a record is, for the sequence a test expects: "java N", "c record", or what else came. */
    static String label(RingMessage m) {
        if (m.type() == 2) {
            return "java " + NumberedRecords.sequence(m);
        }
        return m.equals(CRingProducer.unfinishedRecord()) ? "c record" : m.toString();
    }

    static List<String> javaLabels(int from, int count) {
        return LongStream.range(from, from + count).mapToObj(i -> "java " + i).collect(Collectors.toList());
    }

    @Test
    @DisplayName("never skips the record of a live producer paused mid-write because another producer died earlier between records: the record waits for its writer")
    void pausedProducerAfterAnEarlierDeath() throws IOException {
        Path exe = producer();
        RingFiles files = RingFiles.unique("c-paused");
        SharedRing consumer = create(files);
        SharedRing javaProducer = os.track(SharedRing.named(files.name()).creation(Creation.OPEN_EXISTING)
                .openNow(WAIT));
        // a producer that dies holding a slot but no record: nothing of it is left unfinished
        Peer dead = startC(exe, "hang", files.name(), "none");
        dead.expect("attached slot 0");
        dead.expect("claimed none");
        dead.kill();
        AtomicReference<Peer> paused = new AtomicReference<>();
        AtomicReference<String> index = new AtomicReference<>();

        StepVerifier.create(consumer.receive().take(21).map(ShmCPeerIT::label))
                .expectSubscription()
                // the Java producer's send takes a free slot (the dead one's, 0, whose claim word is clear)
                .then(() -> javaProducer.send(NumberedRecords.range(2, 10)).block(WAIT))
                .expectNextSequence(javaLabels(0, 10))
                .then(() -> {
                    paused.set(startC(exe, "hang", files.name(), "stall"));
                    // any free slot: each Java send writes through a slot of its own only while it runs
                    assertThat(paused.get().next()).startsWith("attached slot ");
                    String claimed = paused.get().next();
                    assertThat(claimed).startsWith("claimed ");
                    index.set(claimed.substring("claimed ".length()));
                    javaProducer.send(NumberedRecords.range(2, 10, 10)).block(WAIT);
                })
                // its writer is alive, merely slow: past the dead-producer bound, the record still waits
                .expectNoEvent(Duration.ofMillis(2000))
                .then(() -> {
                    paused.get().go().block(WAIT);
                    paused.get().expect("committed " + index.get());
                })
                .expectNext("c record")
                .expectNextSequence(javaLabels(10, 10))
                .expectComplete()
                .verify(WAIT);

        assertThat(consumer.skippedRecords()).isZero();
        paused.get().expectSuccess();
    }
}
