package io.interflux.it.mqueue;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.UnixSignal;
import io.interflux.it.support.CProgram;
import io.interflux.testkit.ChildJvm;
import io.interflux.it.support.Eventually;
import io.interflux.it.support.OsResources;
import io.interflux.Creation;
import io.interflux.mqueue.PosixMessage;
import io.interflux.mqueue.PosixQueue;
import io.interflux.pipe.ChildProcess;
import io.interflux.testkit.OpenDescriptors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** POSIX queues between this JVM and real processes: child JVMs and a C peer. */
@Timeout(90)
@DisplayName("A POSIX queue shared with other processes")
class PosixQueueIT {

    static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final OsResources os = new OsResources();

    PosixQueue create(String name, int maxMessages) {
        os.onRelease("mq_unlink " + name, () -> QueueChecks.posixUnlink(name));
        return os.track(PosixQueue.named(name).creation(Creation.CREATE_NEW).maxMessages(maxMessages)
                .maxMessageSize(256).openNow(WAIT));
    }

    ChildProcess child(String... args) {
        return os.track(ChildJvm.of(QueuePeer.class, args).as(ChildProcess::command).start().block(WAIT));
    }

    @Test
    @DisplayName("receives 2,000 messages in order from a child JVM producer held back by a 10-message queue, and leaks nothing")
    void childProducer() {
        Map<Integer, String> before = OpenDescriptors.snapshot();
        String name = QueueChecks.uniqueName();
        PosixQueue queue = create(name, 10);
        ChildProcess producer = child("posix-produce", name, "2000");
        List<String> expected = IntStream.range(0, 2000).mapToObj(Integer::toString).collect(Collectors.toList());
        StepVerifier.create(queue.receive(Codec.utf8()).take(2000), 0)
                .expectSubscription()
                .then(() -> producer.stdout(Framing.lines(), Codec.utf8()).next().block(WAIT))
                .thenRequest(Long.MAX_VALUE)
                .expectNextSequence(expected)
                .expectComplete()
                .verify(WAIT);
        assertThat(producer.exit().block(WAIT)).isZero();
        queue.dispose();
        queue.onDispose().block(WAIT);
        assertThat(QueueChecks.posixExists(name)).as("queue removed by its creator").isFalse();
        producer.dispose();
        producer.onDispose().block(WAIT);
        OpenDescriptors.assertReleased(before, Duration.ofSeconds(10));
    }

    @Test
    @DisplayName("sends 2,000 messages that a child JVM consumer prints in order")
    void childConsumer() {
        String name = QueueChecks.uniqueName();
        PosixQueue queue = create(name, 10);
        ChildProcess consumer = child("posix-consume", name, "2000");
        Mono<Void> sent = queue.send(Flux.range(0, 2000).map(i -> Integer.toString(i)), Codec.utf8());
        List<String> lines = consumer.stdout(Framing.lines(), Codec.utf8())
                .mergeWith(sent.then(Mono.empty()))
                .collectList().block(WAIT);
        assertThat(lines).first().isEqualTo("ready");
        assertThat(lines.subList(1, lines.size()))
                .containsExactlyElementsOf(IntStream.range(0, 2000).mapToObj(Integer::toString).collect(Collectors.toList()));
        assertThat(consumer.exit().block(WAIT)).isZero();
    }

    @Test
    @DisplayName("loses nothing that was queued when the producer is killed with SIGKILL mid-stream, and does not hang")
    void producerKilled() {
        String name = QueueChecks.uniqueName();
        PosixQueue queue = create(name, 10);
        ChildProcess producer = child("posix-produce", name, "-1");
        producer.stdout(Framing.lines(), Codec.utf8()).next().block(WAIT);
        List<String> first = queue.receive(Codec.utf8()).take(500).collectList().block(WAIT);
        assertThat(first).containsExactlyElementsOf(IntStream.range(0, 500).mapToObj(Integer::toString).collect(Collectors.toList()));
        // the producer refills what the take freed; on a busy host it may not have sent again yet
        Eventually.holds(WAIT, () -> "the producer has queued nothing since", () -> queue.currentMessages() > 0);
        producer.signal(UnixSignal.SIGKILL).block(WAIT);
        assertThat(producer.exit().block(WAIT)).isEqualTo(128 + 9);
        long queued = queue.currentMessages();
        assertThat(queued).as("messages the dead producer left queued").isBetween(1L, 10L);
        // everything queued arrives, continuing the sequence, and then the queue is simply empty
        StepVerifier.create(queue.receive(Codec.utf8()), 0)
                .thenRequest(queued)
                .expectNextSequence(IntStream.range(500, 500 + (int) queued).mapToObj(Integer::toString).collect(Collectors.toList()))
                .thenRequest(1)
                .expectNoEvent(Duration.ofMillis(200))
                .then(queue::dispose)
                .expectComplete()
                .verify(WAIT);
        assertThat(QueueChecks.posixExists(name)).isFalse();
    }

    @Test
    @DisplayName("exchanges messages with a C peer on the same queue: priorities ordered by the kernel both ways")
    void cPeer(@TempDir Path dir) throws Exception {
        Path exe = CProgram.compile(dir, "queue_peer", QueueChecks.cPeerSource());
        String name = QueueChecks.uniqueName();
        PosixQueue queue = create(name, 10);
        ChildProcess peer = os.track(ChildProcess.command(exe.toString(), "posix", name, "6").start().block(WAIT));
        Eventually.holds(WAIT, () -> "C peer's 6 messages queued, " + queue.currentMessages() + " so far",
                () -> queue.currentMessages() == 6);
        // c0..c5 were sent with priorities 0,1,2,0,1,2: highest first, oldest first within one
        List<String> fromC = queue.receive().take(6).map(m -> m.decode(Codec.utf8()) + "@" + m.priority())
                .collectList().block(WAIT);
        assertThat(fromC).containsExactly("c2@2", "c5@2", "c1@1", "c4@1", "c0@0", "c3@0");
        int[] priorities = {1, 7, 4, 0, 7, 2};
        StepVerifier.create(queue.send(Flux.range(0, 6).map(i -> PosixMessage.of("j" + i, Codec.utf8(), priorities[i]))))
                .verifyComplete();
        StepVerifier.create(peer.sendAndClose(Flux.just("go"), Framing.lines(), Codec.utf8())).verifyComplete();
        List<String> printed = peer.stdout(Framing.lines(), Codec.utf8()).collectList().block(WAIT);
        assertThat(printed).containsExactly("j1 7", "j4 7", "j2 4", "j5 2", "j0 1", "j3 0");
        assertThat(peer.exit().block(WAIT)).isZero();
    }
}
