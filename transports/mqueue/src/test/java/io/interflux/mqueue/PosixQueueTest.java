package io.interflux.mqueue;

import io.interflux.Creation;
import io.interflux.Access;
import io.interflux.Codec;
import io.interflux.FrameTooLargeException;
import io.interflux.IpcException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(30)
@DisplayName("A POSIX message queue")
class PosixQueueTest {

    static final Duration WAIT = Duration.ofSeconds(10);

    final List<PosixQueue> opened = new ArrayList<>();
    final List<String> names = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        for (PosixQueue q : opened) {
            q.dispose();
            q.onDispose().block(WAIT);
        }
        names.forEach(QueueNames::unlink);
    }

    PosixQueue open(PosixQueueSpec spec) {
        names.add(spec.name());
        PosixQueue q = spec.openNow(WAIT);
        opened.add(q);
        return q;
    }

    String name() {
        String n = QueueNames.unique("posix");
        names.add(n);
        return n;
    }

    @Test
    @DisplayName("takes no message out of the queue without demand, then exactly as many as requested")
    void demandDriven() {
        PosixQueue q = open(PosixQueue.named(name()).maxMessages(QueueNames.messages(10)).maxMessageSize(64));
        StepVerifier.create(q.send(Flux.range(0, 5).map(i -> PosixMessage.of(new byte[] {i.byteValue()})))).verifyComplete();

        StepVerifier.create(q.receive(), 0)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(50))
                .then(() -> assertThat(q.currentMessages()).as("messages left in the kernel").isEqualTo(5))
                .thenRequest(2)
                .assertNext(m -> assertThat(m.payload()).containsExactly(0))
                .assertNext(m -> assertThat(m.payload()).containsExactly(1))
                .expectNoEvent(Duration.ofMillis(50))
                .then(() -> assertThat(q.currentMessages()).isEqualTo(3))
                .thenRequest(1)
                .assertNext(m -> assertThat(m.payload()).containsExactly(2))
                .thenCancel()
                .verify(WAIT);
        assertThat(q.currentMessages()).isEqualTo(2);
    }

    @Test
    @DisplayName("hands out the highest priority first, and oldest first within a priority")
    void priorities() {
        PosixQueue q = open(PosixQueue.named(name()));
        Flux<PosixMessage> messages = Flux.just(
                PosixMessage.of("low-1", Codec.utf8(), 1),
                PosixMessage.of("high", Codec.utf8(), 9),
                PosixMessage.of("mid", Codec.utf8(), 5),
                PosixMessage.of("low-2", Codec.utf8(), 1));
        StepVerifier.create(q.send(messages)).verifyComplete();
        StepVerifier.create(q.receive(), 0)
                .thenRequest(4)
                .assertNext(m -> assertThat(m.decode(Codec.utf8()) + "@" + m.priority()).isEqualTo("high@9"))
                .assertNext(m -> assertThat(m.decode(Codec.utf8())).isEqualTo("mid"))
                .assertNext(m -> assertThat(m.decode(Codec.utf8())).isEqualTo("low-1"))
                .assertNext(m -> assertThat(m.decode(Codec.utf8())).isEqualTo("low-2"))
                .thenCancel()
                .verify(WAIT);
    }

    @Test
    @DisplayName("holds a sender back while the queue is full, drops nothing, and finishes once a receiver drains it")
    void fullQueueHoldsSenderBack() {
        PosixQueue q = open(PosixQueue.named(name()).maxMessages(3).maxMessageSize(16));
        AtomicLong pulled = new AtomicLong();
        int total = 200;
        Mono<Void> sent = q.send(Flux.range(0, total).doOnNext(i -> pulled.incrementAndGet())
                .map(i -> PosixMessage.of(Integer.toString(i), Codec.utf8(), 0))).cache();
        sent.subscribe(null, e -> { });
        StepVerifier.create(q.receive(Codec.utf8()), 0)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(100))
                .then(() -> {
                    assertThat(q.currentMessages()).as("queue full").isEqualTo(3);
                    assertThat(pulled.get()).as("pulled from the publisher").isLessThanOrEqualTo(3 + PosixQueue.SEND_PREFETCH);
                })
                .thenRequest(total)
                .expectNextSequence(java.util.stream.IntStream.range(0, total).mapToObj(Integer::toString).collect(java.util.stream.Collectors.toList()))
                .thenCancel()
                .verify(WAIT);
        StepVerifier.create(sent).verifyComplete();
    }

    @Test
    @DisplayName("fails a send with FrameTooLargeException naming the limit and size, after the messages before it went in")
    void oversizeMessage() {
        PosixQueue q = open(PosixQueue.named(name()).maxMessageSize(64));
        StepVerifier.create(q.send(Flux.just(PosixMessage.of(new byte[64]), PosixMessage.of(new byte[65]))))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(FrameTooLargeException.class).hasMessageContaining("64").hasMessageContaining("65");
                    assertThat(((FrameTooLargeException) e).limit()).isEqualTo(64);
                    assertThat(((FrameTooLargeException) e).size()).isEqualTo(65);
                })
                .verify(WAIT);
        assertThat(q.currentMessages()).isEqualTo(1);
    }

    @Test
    @DisplayName("refuses a capacity above the system limits, naming the limit and its /proc file")
    void systemLimits() {
        String n = name();
        assertThatThrownBy(() -> PosixQueue.named(n).maxMessages(QueueNames.MSG_MAX + 1).openNow(WAIT))
                .isInstanceOf(IpcException.class)
                .hasMessageContaining("msg_max=" + QueueNames.MSG_MAX)
                .hasMessageContaining("/proc/sys/fs/mqueue/msg_max");
        assertThatThrownBy(() -> PosixQueue.named(n).maxMessageSize(QueueNames.MSGSIZE_MAX + 1).openNow(WAIT))
                .isInstanceOf(IpcException.class)
                .hasMessageContaining("msgsize_max=" + QueueNames.MSGSIZE_MAX)
                .hasMessageContaining("/proc/sys/fs/mqueue/msgsize_max");
        assertThat(QueueNames.exists(n)).isFalse();
    }

    @Test
    @DisplayName("creates its queue with mode 0600 by default and applies another mode exactly, despite the umask")
    void modes() throws Exception {
        PosixQueue a = open(PosixQueue.named(name()));
        PosixQueue b = open(PosixQueue.named(name()).mode(0666));
        assertThat(modeOf(a)).isEqualTo("rw-------");
        assertThat(modeOf(b)).isEqualTo("rw-rw-rw-");
    }

    static String modeOf(PosixQueue q) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of("/proc/self/fd/" + q.descriptor())));
    }

    @Test
    @DisplayName("tells create-new, open-existing and open-or-create apart, with errors that name the queue and errno")
    void creationModes() {
        String n = name();
        assertThatThrownBy(() -> PosixQueue.named(n).creation(Creation.OPEN_EXISTING).openNow(WAIT))
                .isInstanceOf(IpcException.class)
                .hasMessageContaining("mq_open(\"" + n + "\"")
                .hasMessageContaining("ENOENT");
        PosixQueue first = open(PosixQueue.named(n).creation(Creation.CREATE_NEW));
        assertThat(first.created()).isTrue();
        assertThatThrownBy(() -> PosixQueue.named(n).creation(Creation.CREATE_NEW).openNow(WAIT))
                .isInstanceOf(IpcException.class)
                .hasMessageContaining("O_CREAT|O_EXCL")
                .hasMessageContaining("EEXIST");
        PosixQueue second = open(PosixQueue.named(n));
        assertThat(second.created()).isFalse();
        second.dispose();
        second.onDispose().block(WAIT);
        assertThat(QueueNames.exists(n)).as("a queue this handle did not create stays").isTrue();
        first.dispose();
        first.onDispose().block(WAIT);
        assertThat(QueueNames.exists(n)).as("the creator unlinks it on dispose").isFalse();
    }

    @Test
    @DisplayName("keeps the queue on dispose when told not to unlink it")
    void keepOnDispose() {
        String n = name();
        PosixQueue q = open(PosixQueue.named(n).removeOnDispose(false));
        q.dispose();
        q.onDispose().block(WAIT);
        assertThat(QueueNames.exists(n)).isTrue();
    }

    @Test
    @DisplayName("validates names: a leading '/', no other '/', not empty")
    void names() {
        for (String bad : List.of("orders", "/", "/a/b", "/..", "/" + "x".repeat(256))) {
            assertThatThrownBy(() -> PosixQueue.named(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("POSIX queue name");
        }
        assertThat(PosixQueue.named("/orders").name()).isEqualTo("/orders");
    }

    @Test
    @DisplayName("completes a waiting receive and fails a waiting send when disposed, and releases its descriptor")
    void disposeEndsStreams() throws Exception {
        PosixQueue q = open(PosixQueue.named(name()).maxMessages(1).maxMessageSize(8));
        Path fd = Path.of("/proc/self/fd/" + q.descriptor());
        Mono<Void> stuck = q.send(Flux.just(PosixMessage.of(new byte[1]), PosixMessage.of(new byte[1])));
        StepVerifier.create(Flux.merge(
                                q.receive().take(0).then(), // subscribed and ended at once
                                stuck),
                        0)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(50))
                .then(q::dispose)
                .expectError(java.util.concurrent.CancellationException.class)
                .verify(WAIT);
        q.onDispose().block(WAIT);
        assertThat(Files.exists(fd) && Files.readSymbolicLink(fd).toString().contains("ifx-posix")).isFalse();

        PosixQueue r = open(PosixQueue.named(name()));
        StepVerifier.create(r.receive(), 0)
                .thenRequest(1)
                .expectNoEvent(Duration.ofMillis(50))
                .then(r::dispose)
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    @DisplayName("lets two subscribers of one opened queue compete, each message going to exactly one of them")
    void competingConsumers() {
        PosixQueue q = open(PosixQueue.named(name()).maxMessages(5).maxMessageSize(16));
        int total = 400;
        Mono<List<String>> a = q.receive(Codec.utf8()).take(total / 2).collectList();
        Mono<List<String>> b = q.receive(Codec.utf8()).take(total / 2).collectList();
        Mono<Void> sent = q.send(Flux.range(0, total).map(i -> Integer.toString(i)), Codec.utf8());
        StepVerifier.create(Mono.zip(a, b, sent.thenReturn(true)))
                .assertNext(t -> {
                    List<String> all = new ArrayList<>(t.getT1());
                    all.addAll(t.getT2());
                    assertThat(all).hasSize(total).doesNotHaveDuplicates();
                })
                .verifyComplete();
    }

    @Test
    @DisplayName("takes a new receiving subscriber right after a take(n) ends the previous one")
    void resubscribe() {
        PosixQueue q = open(PosixQueue.named(name()));
        StepVerifier.create(q.send(Flux.range(0, 6).map(i -> PosixMessage.of(new byte[] {i.byteValue()})))).verifyComplete();
        for (int round = 0; round < 3; round++) {
            assertThat(q.receive().take(2).count().block(WAIT)).isEqualTo(2);
        }
    }

    @Test
    @DisplayName("opens with the access the endpoint needs: a send-only and a receive-only end share one queue")
    void accessModes() throws Exception {
        String n = name();
        PosixQueue owner = open(PosixQueue.named(n).maxMessages(QueueNames.messages(10)).maxMessageSize(64));
        PosixQueue producer = open(PosixQueue.named(n).access(Access.SEND).creation(Creation.OPEN_EXISTING));
        PosixQueue consumer = open(PosixQueue.named(n).access(Access.RECEIVE).creation(Creation.OPEN_EXISTING));
        assertThat(Files.readString(Path.of("/proc/self/fdinfo/" + producer.descriptor())))
                .as("O_WRONLY in the descriptor's flags").containsPattern("flags:\\s+0[0-7]*1\\n");
        StepVerifier.create(producer.send(Flux.just("a", "b"), Codec.utf8())).verifyComplete();
        StepVerifier.create(consumer.receive(Codec.utf8()).take(2)).expectNext("a", "b").verifyComplete();
        StepVerifier.create(producer.receive())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("POSIX queue " + n + " was opened send-only"))
                .verify(WAIT);
        StepVerifier.create(consumer.send(Flux.just("c"), Codec.utf8()))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("receive-only"))
                .verify(WAIT);
        assertThat(owner.currentMessages()).isZero();
    }

    @Test
    @DisplayName("counts the name limit in bytes: 255 ASCII characters pass, 128 two-byte characters do not")
    void nameLimitInBytes() {
        PosixQueue.named("/" + "a".repeat(255));
        assertThatThrownBy(() -> PosixQueue.named("/" + "\u00e9".repeat(128)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bytes");
        PosixQueue.named("/" + "\u00e9".repeat(127));
    }

    @Test
    @DisplayName("an emitter sends until the queue is full, answers FAIL_OVERFLOW with nothing sent, and FAIL_TERMINATED once disposed")
    void emitter() {
        PosixQueue q = open(PosixQueue.named(name()).maxMessages(3).maxMessageSize(64));
        io.interflux.Emitter<String> out = q.emitter(Codec.utf8(), 1);
        for (int i = 0; i < 3; i++) {
            assertThat(out.tryEmitNext("m" + i)).isEqualTo(reactor.core.publisher.Sinks.EmitResult.OK);
        }
        assertThat(out.tryEmitNext("m3")).isEqualTo(reactor.core.publisher.Sinks.EmitResult.FAIL_OVERFLOW);
        assertThat(q.currentMessages()).isEqualTo(3);
        StepVerifier.create(q.receive(Codec.utf8()).take(1)).expectNext("m0").verifyComplete();
        assertThat(out.tryEmitNext("m3")).isEqualTo(reactor.core.publisher.Sinks.EmitResult.OK);
        assertThatThrownBy(() -> out.tryEmitNext("x".repeat(65))).isInstanceOf(FrameTooLargeException.class);
        StepVerifier.create(q.receive(Codec.utf8()).take(3)).expectNext("m1", "m2", "m3").verifyComplete();
        q.dispose();
        assertThat(out.tryEmitNext("late")).isEqualTo(reactor.core.publisher.Sinks.EmitResult.FAIL_TERMINATED);
    }
}
