package io.interflux.it.shm;

import io.interflux.pipe.ChildProcess;
import io.interflux.Creation;
import io.interflux.it.support.OsResources;
import io.interflux.shm.Producers;
import io.interflux.shm.SharedRing;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A shared ring between this JVM and child JVMs ({@link RingPeer}): records cross process
 * boundaries through the mapped segment, whole, in order, none lost or repeated, in both
 * directions and from two producers at once.
 */
@Timeout(60)
@DisplayName("A shared ring between JVMs")
class ShmProducerConsumerIT {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final int RECORDS = 200_000;
    /** 64 KiB: some 2,700 records of 24 bytes, so 200,000 go round the ring about 70 times and fill it often. */
    static final int CAPACITY = 1 << 16;

    @RegisterExtension
    final OsResources os = new OsResources();

    SharedRing create(RingFiles files) {
        os.onRelease("remove " + files, files::remove);
        return os.track(SharedRing.named(files.name()).creation(Creation.CREATE_NEW).capacity(CAPACITY)
                .producers(Producers.MANY).openNow(WAIT));
    }

    Peer peer(String... args) {
        return Peer.start(os, RingPeer.jvm(args).as(ChildProcess::command));
    }

    static void report(String what, long startNanos, long records) {
        long ms = Math.max(1, (System.nanoTime() - startNanos) / 1_000_000);
        System.out.println("[shm] " + what + ": " + records + " records in " + ms + " ms ("
                + records * 1000 / ms + " records/s)");
    }

    @Test
    @DisplayName("takes 200,000 records from a producer in a child JVM: all of them, in order, none repeated")
    void childProducer() {
        RingFiles files = RingFiles.unique("from-child");
        SharedRing ring = create(files);
        Peer producer = peer("produce", files.name(), "1", Integer.toString(RECORDS));
        producer.expect("ready");
        SequenceCheck check = new SequenceCheck();
        long start = System.nanoTime();

        StepVerifier.create(ring.receive().take(RECORDS).doOnNext(check).then())
                .expectSubscription()
                .then(() -> producer.go().block(WAIT))
                .expectComplete()
                .verify(WAIT);

        report("child JVM -> this JVM", start, RECORDS);
        assertThat(check.counts()).isEqualTo(Map.of(1, (long) RECORDS));
        producer.expect("sent " + RECORDS);
        producer.expectSuccess();
    }

    @Test
    @DisplayName("hands 200,000 records to a consumer in a child JVM, which counts all of them in order, with the checksum of what was sent")
    void childConsumer() {
        RingFiles files = RingFiles.unique("to-child");
        SharedRing ring = create(files);
        Peer consumer = peer("consume", files.name(), Integer.toString(RECORDS));
        consumer.expect("ready");
        long start = System.nanoTime();

        StepVerifier.create(ring.send(NumberedRecords.range(1, RECORDS)))
                .expectComplete()
                .verify(WAIT);

        consumer.expect("received " + RECORDS + " checksum " + SequenceCheck.expectedChecksum(1, RECORDS));
        report("this JVM -> child JVM", start, RECORDS);
        consumer.expectSuccess();
    }

    @Test
    @DisplayName("takes the sequences two child JVMs write into one ring at the same time: each complete and in its own order, nothing lost or repeated")
    void twoProducers() {
        RingFiles files = RingFiles.unique("two-producers");
        SharedRing ring = create(files);
        int each = RECORDS / 2;
        Peer first = peer("produce", files.name(), "1", Integer.toString(each));
        Peer second = peer("produce", files.name(), "2", Integer.toString(each));
        first.expect("ready");
        second.expect("ready");
        SequenceCheck check = new SequenceCheck();
        long start = System.nanoTime();

        StepVerifier.create(ring.receive().take(RECORDS).doOnNext(check).then())
                .expectSubscription()
                // both start together: their claims race on the tail position
                .then(() -> Mono.when(first.go(), second.go()).block(WAIT))
                .expectComplete()
                .verify(WAIT);

        report("two child JVMs -> this JVM", start, RECORDS);
        System.out.println("[shm] the two producers' records alternated " + check.switches() + " times");
        assertThat(check.counts()).isEqualTo(Map.of(1, (long) each, 2, (long) each));
        assertThat(check.switches()).as("times the consumer saw the other producer's record next: they wrote at once")
                .isPositive();
        first.expect("sent " + each);
        second.expect("sent " + each);
        first.expectSuccess();
        second.expectSuccess();
    }
}
