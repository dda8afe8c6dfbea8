package io.interflux.mqueue;

import io.interflux.Creation;
import io.interflux.Codec;
import io.interflux.FrameTooLargeException;
import io.interflux.IpcException;
import io.interflux.internal.Native;
import io.interflux.mqueue.internal.QueueCalls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(30)
@DisplayName("A System V message queue")
class SysVQueueTest {

    static final Duration WAIT = Duration.ofSeconds(10);

    final List<SysVQueue> opened = new ArrayList<>();
    final List<Integer> ids = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        for (SysVQueue q : opened) {
            q.dispose();
            q.onDispose().block(WAIT);
        }
        ids.forEach(id -> QueueCalls.lib().msgctl(id, QueueCalls.IPC_RMID, 0));
    }

    SysVQueue open(SysVQueueSpec spec) {
        SysVQueue q = spec.openNow(WAIT);
        opened.add(q);
        ids.add(q.id());
        return q;
    }

    static SysVMessage text(long type, String s) {
        return SysVMessage.of(s, Codec.utf8(), type);
    }

    static boolean exists(int id) {
        ByteBuffer ds = ByteBuffer.allocateDirect(QueueCalls.MSQID_DS_SIZE);
        return QueueCalls.lib().msgctl(id, QueueCalls.IPC_STAT, Native.address(ds)) == 0;
    }

    static int modeOf(int id) {
        ByteBuffer ds = ByteBuffer.allocateDirect(QueueCalls.MSQID_DS_SIZE).order(ByteOrder.nativeOrder());
        assertThat(QueueCalls.lib().msgctl(id, QueueCalls.IPC_STAT, Native.address(ds))).isZero();
        return ds.getShort(QueueCalls.MSQID_DS_MODE) & 0777;
    }

    @Test
    @DisplayName("takes no message out of the queue without demand, then exactly as many as requested")
    void demandDriven() {
        SysVQueue q = open(SysVQueue.privateQueue());
        StepVerifier.create(q.send(Flux.range(1, 5).map(i -> text(1, "m" + i)))).verifyComplete();
        StepVerifier.create(q.receive(0, Codec.utf8()), 0)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(50))
                .then(() -> assertThat(q.currentMessages()).isEqualTo(5))
                .thenRequest(2)
                .expectNext("m1", "m2")
                .expectNoEvent(Duration.ofMillis(50))
                .then(() -> assertThat(q.currentMessages()).isEqualTo(3))
                .thenCancel()
                .verify(WAIT);
    }

    @Test
    @DisplayName("selects by type as msgrcv does: exactly a type, the lowest type up to |type|, or any")
    void typeSelection() {
        SysVQueue q = open(SysVQueue.privateQueue());
        StepVerifier.create(q.send(Flux.just(text(3, "c1"), text(1, "a1"), text(2, "b1"), text(1, "a2"), text(3, "c2"))))
                .verifyComplete();
        StepVerifier.create(q.receive(2, Codec.utf8()), 0).thenRequest(1).expectNext("b1")
                .thenRequest(1).expectNoEvent(Duration.ofMillis(50)).thenCancel().verify(WAIT);
        StepVerifier.create(q.receive(-2), 0).thenRequest(2)
                .assertNext(m -> assertThat(m.type() + ":" + m.decode(Codec.utf8())).isEqualTo("1:a1"))
                .assertNext(m -> assertThat(m.type() + ":" + m.decode(Codec.utf8())).isEqualTo("1:a2"))
                .thenCancel().verify(WAIT);
        StepVerifier.create(q.receive(0, Codec.utf8()), 0).thenRequest(2).expectNext("c1", "c2").thenCancel().verify(WAIT);
    }

    @Test
    @DisplayName("serves two consumers on one queue, each taking only its own type")
    void twoConsumers() {
        SysVQueue q = open(SysVQueue.privateQueue());
        Mono<List<String>> a = q.receive(1, Codec.utf8()).take(50).collectList();
        Mono<List<String>> b = q.receive(2, Codec.utf8()).take(50).collectList();
        Flux<SysVMessage> mixed = Flux.range(0, 100).map(i -> text(i % 2 + 1, (i % 2 == 0 ? "a" : "b") + i));
        StepVerifier.create(Mono.zip(a, b).zipWith(q.send(mixed).then(Mono.just(true))))
                .assertNext(t -> {
                    assertThat(t.getT1().getT1()).allMatch(s -> s.startsWith("a")).hasSize(50);
                    assertThat(t.getT1().getT2()).allMatch(s -> s.startsWith("b")).hasSize(50);
                    assertThat(t.getT1().getT1()).map(s -> Integer.parseInt(s.substring(1))).isSorted();
                })
                .verifyComplete();
    }

    @Test
    @DisplayName("holds a sender back while the queue is full, drops nothing, and finishes once a receiver drains it")
    void fullQueueHoldsSenderBack() {
        SysVQueue q = open(SysVQueue.privateQueue());
        long capacity = q.capacityBytes() / 64;
        int total = (int) capacity * 3;
        AtomicLong pulled = new AtomicLong();
        Mono<Void> sent = q.send(Flux.range(0, total).doOnNext(i -> pulled.incrementAndGet())
                .map(i -> SysVMessage.of(ByteBuffer.allocate(64).putInt(0, i).array(), 1))).cache();
        sent.subscribe(null, e -> { });
        List<Integer> expected = IntStream.range(0, total).boxed().collect(Collectors.toList());
        StepVerifier.create(q.receive(0).map(m -> ByteBuffer.wrap(m.payload()).getInt(0)), 0)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(100))
                .then(() -> {
                    assertThat(q.currentMessages()).as("queue full").isEqualTo(capacity);
                    assertThat(pulled.get()).isLessThanOrEqualTo(capacity + SysVQueue.SEND_PREFETCH);
                    assertThat(sent.toFuture()).isNotDone();
                })
                .thenRequest(total)
                .expectNextSequence(expected)
                .thenCancel()
                .verify(WAIT);
        StepVerifier.create(sent).verifyComplete();
    }

    @Test
    @DisplayName("fails a send over the maximum with FrameTooLargeException, and a receive that meets one, leaving it queued")
    void oversize(@TempDir Path dir) throws Exception {
        Path anchor = Files.createFile(dir.resolve("anchor"));
        SysVQueue q = open(SysVQueue.key(anchor, 'O'));
        int max = (int) Math.min(QueueNames.MSGMAX, q.capacityBytes());
        assertThat(q.maxMessageSize()).as("msgmax or the queue's bytes, whichever is smaller").isEqualTo(max);
        StepVerifier.create(q.send(Mono.just(SysVMessage.of(new byte[max + 1], 1))))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(FrameTooLargeException.class)
                        .hasMessageContaining("limit=" + max).hasMessageContaining("size=" + (max + 1)))
                .verify(WAIT);
        StepVerifier.create(q.send(Mono.just(SysVMessage.of(new byte[100], 1)))).verifyComplete();
        SysVQueue strict = open(SysVQueue.key(anchor, 'O').creation(Creation.OPEN_EXISTING).maxMessageSize(64));
        StepVerifier.create(strict.receive(0), 0)
                .thenRequest(1)
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(FrameTooLargeException.class).hasMessageContaining("64");
                    assertThat(((FrameTooLargeException) e).limit()).isEqualTo(64);
                })
                .verify(WAIT);
        assertThat(q.currentMessages()).isEqualTo(1);
    }

    @Test
    @DisplayName("creates its queue with mode 0600 by default, from an ftok key, and removes it on dispose")
    void ftokAndRemoval(@TempDir Path dir) throws Exception {
        Path anchor = Files.createFile(dir.resolve("anchor"));
        SysVQueue q = open(SysVQueue.key(anchor, 'Q'));
        assertThat(q.created()).isTrue();
        assertThat(q.key()).isNotZero();
        assertThat(modeOf(q.id())).isEqualTo(0600);
        SysVQueue again = open(SysVQueue.key(anchor, 'Q').creation(Creation.OPEN_EXISTING));
        assertThat(again.id()).isEqualTo(q.id());
        assertThat(again.created()).isFalse();
        assertThatThrownBy(() -> SysVQueue.key(anchor, 'Q').creation(Creation.CREATE_NEW).openNow(WAIT))
                .isInstanceOf(IpcException.class).hasMessageContaining("msgget(ftok(").hasMessageContaining("EEXIST");
        again.dispose();
        again.onDispose().block(WAIT);
        assertThat(exists(q.id())).as("kept by a handle that did not create it").isTrue();
        q.dispose();
        q.onDispose().block(WAIT);
        assertThat(exists(q.id())).as("removed by its creator").isFalse();
        assertThatThrownBy(() -> SysVQueue.key(dir.resolve("missing"), 'Q').openNow(WAIT))
                .isInstanceOf(IpcException.class).hasMessageContaining("ftok").hasMessageContaining("ENOENT");
    }

    @Test
    @DisplayName("fails a waiting receive with EIDRM when the queue is removed, and completes it when its own handle is disposed")
    void removalAndDispose() {
        SysVQueue q = open(SysVQueue.privateQueue());
        SysVQueue other = SysVQueue.existing(q.id()).openNow(WAIT);
        opened.add(other);
        StepVerifier.create(other.receive(0), 0)
                .thenRequest(1)
                .expectNoEvent(Duration.ofMillis(30))
                .then(q::dispose)
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IpcException.class).hasMessageContaining("removed"))
                .verify(WAIT);

        SysVQueue r = open(SysVQueue.privateQueue().maxPollInterval(Duration.ofMillis(50)));
        StepVerifier.create(r.receive(0), 0)
                .thenRequest(1)
                .expectNoEvent(Duration.ofMillis(120))
                .then(r::dispose)
                .expectComplete()
                .verify(Duration.ofMillis(500));
        r.onDispose().block(WAIT);
        assertThat(exists(r.id())).isFalse();
    }

    @Test
    @DisplayName("an id that names no queue fails naming the id, the call, the errno and the likely cause")
    void unknownId() {
        assertThatThrownBy(() -> SysVQueue.existing(2_000_000_000).openNow(WAIT))
                .isInstanceOf(IpcException.class)
                .hasMessage("msgctl(System V queue id 2000000000, IPC_STAT) failed: EINVAL (Invalid argument):"
                        + " no System V queue has this id: it was removed, or never existed (ipcs -q lists the ids)");
    }

    @Test
    @DisplayName("an emitter sends until the queue's bytes are used up, answers FAIL_OVERFLOW, and FAIL_TERMINATED once disposed")
    void emitter() {
        SysVQueue q = SysVQueue.privateQueue().openNow(WAIT);
        try {
            io.interflux.Emitter<byte[]> out = q.emitter(Codec.bytes(), 1);
            byte[] kib = new byte[1024];
            int ok = 0;
            while (out.tryEmitNext(kib) == reactor.core.publisher.Sinks.EmitResult.OK) {
                ok++;
            }
            assertThat((long) ok).as("1 KiB messages in the queue's bytes").isEqualTo(q.capacityBytes() / 1024);
            assertThat(q.currentMessages()).isEqualTo(ok);
            StepVerifier.create(q.receive(1).take(1)).expectNextCount(1).verifyComplete();
            assertThat(out.tryEmitNext(kib)).isEqualTo(reactor.core.publisher.Sinks.EmitResult.OK);
            q.dispose();
            assertThat(out.tryEmitNext(kib)).isEqualTo(reactor.core.publisher.Sinks.EmitResult.FAIL_TERMINATED);
        } finally {
            q.dispose();
        }
    }
}
