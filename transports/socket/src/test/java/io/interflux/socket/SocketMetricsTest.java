package io.interflux.socket;

import io.interflux.Codec;
import io.interflux.testkit.CountingRecorder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
@DisplayName("Socket metrics")
class SocketMetricsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final List<Disposable> opened = new ArrayList<>();

    @AfterEach
    void release() {
        opened.forEach(Disposable::dispose);
    }

    private <R extends Disposable> R keep(R r) {
        opened.add(r);
        return r;
    }

    /** Blocks the test thread until {@code check} holds, for at most {@link #WAIT}. */
    private static void eventually(java.util.function.BooleanSupplier check) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!check.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(check.getAsBoolean()).isTrue();
    }

    /**
     * Waits, boundedly, until the writer has stopped handing bytes to its channel for 200 ms: the
     * unread peer's socket is full and the channel past its high-water mark, so the send waits.
     */
    private static void heldBack(CountingRecorder writer) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        long seen = -1;
        long since = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long now = writer.bytesSent();
            if (now != seen) {
                seen = now;
                since = System.nanoTime();
            } else if (now > 0 && System.nanoTime() - since > TimeUnit.MILLISECONDS.toNanos(200)) {
                return;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("the writer was never held back: " + writer);
    }

    @Test
    @DisplayName("a stream connection reports frames and bytes each way, the reader's time without demand, the writer's stall on an unread peer, and its opening")
    void streams() {
        CountingRecorder serverSide = new CountingRecorder();
        CountingRecorder clientSide = new CountingRecorder();
        StreamServer<String> server = keep(SocketServer.unix(dir.resolve("metered.sock")).codec(Codec.utf8())
                .metrics(serverSide).bindNow(WAIT));
        StreamConnection<String> client = keep(SocketClient.unix(server.path()).codec(Codec.utf8())
                .metrics(clientSide).connectNow(WAIT));
        StreamConnection<String> accepted = keep(server.connections().blockFirst(WAIT));
        assertThat(clientSide.open()).isEqualTo(1);
        assertThat(serverSide.open()).isEqualTo(1);

        int lines = 100_000; // 11 bytes each with the newline: far more than the socket holds
        StepVerifier.create(accepted.receive(), 0)
                .then(() -> client.send(Flux.range(0, lines).map(i -> String.format("line %05d", i % 100_000))).subscribe())
                .then(() -> heldBack(clientSide))
                .thenRequest(Long.MAX_VALUE)
                .expectNextCount(lines)
                .thenCancel()
                .verify(WAIT);
        eventually(() -> serverSide.bytesReceived() == 11L * lines);
        assertThat(clientSide.messagesSent()).isEqualTo(lines);
        assertThat(clientSide.bytesSent()).isEqualTo(11L * lines);
        assertThat(serverSide.messagesReceived()).isEqualTo(lines);
        assertThat(serverSide.noDemandPeriods()).as(serverSide.toString()).isGreaterThanOrEqualTo(1);
        // the wait ends when the last write is in the kernel, told on the writer's event loop
        eventually(() -> clientSide.sendStalls() >= 1);

        client.dispose();
        eventually(() -> clientSide.open() == 0 && serverSide.open() == 0);
    }

    @Test
    @DisplayName("a datagram socket reports the datagrams and bytes each way")
    void datagrams() {
        CountingRecorder metrics = new CountingRecorder();
        DatagramSocket a = keep(Datagrams.unix(dir.resolve("a.sock")).metrics(metrics).bindNow(WAIT));
        DatagramSocket b = keep(Datagrams.unix(dir.resolve("b.sock")).metrics(metrics).bindNow(WAIT));
        assertThat(metrics.open()).isEqualTo(2);
        StepVerifier.create(b.receive().take(3))
                .then(() -> a.send(Flux.just("one", "two", "three").map(s -> Datagram.of(s, Codec.utf8(), b.address()))).subscribe())
                .expectNextCount(3)
                .verifyComplete();
        assertThat(metrics.messagesSent()).isEqualTo(3);
        assertThat(metrics.bytesSent()).isEqualTo(11);
        assertThat(metrics.messagesReceived()).isEqualTo(3);
        assertThat(metrics.bytesReceived()).isEqualTo(11);
        a.dispose();
        b.dispose();
        eventually(() -> metrics.open() == 0);
    }
}
