package io.interflux.socket;

import io.interflux.Codec;
import io.interflux.FrameTooLargeException;
import io.interflux.Framing;
import io.interflux.IpcException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
@DisplayName("Stream sockets")
class StreamSocketTest {

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

    @Test
    @DisplayName("a line-framed TCP client and server on loopback echo, and look the same as a FIFO's lines to user code")
    void tcpEcho() {
        StreamServer<String> server = keep(SocketServer.tcp("127.0.0.1", 0).codec(Codec.utf8())
                .handle(c -> c.send(c.receive().map(String::toUpperCase)))
                .bindNow(WAIT));
        assertThat(server.port()).isPositive();
        StreamConnection<String> client = keep(SocketClient.tcp("127.0.0.1", server.port()).codec(Codec.utf8())
                .connectNow(WAIT));
        assertThat(client.peer()).as("no credentials on TCP").isEmpty();
        client.send(Flux.just("hello", "ipc")).subscribe();
        StepVerifier.create(client.receive().take(2)).expectNext("HELLO", "IPC").verifyComplete();
    }

    @Test
    @DisplayName("a Unix socket file is 0600 from the start, tells the server its peer's credentials, and is removed on dispose")
    void unixModeCredentialsRemoval() throws IOException {
        Path path = dir.resolve("api.sock");
        StreamServer<String> server = keep(SocketServer.unix(path).codec(Codec.utf8()).bindNow(WAIT));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS)))
                .isEqualTo("rw-------");
        try (var files = Files.list(dir)) {
            assertThat(files).as("no private directory left behind").containsExactly(path);
        }
        assertThatThrownBy(() -> SocketServer.unix(dir.resolve("x".repeat(100)))).hasMessageContaining("107");
        StreamConnection<String> client = keep(SocketClient.unix(path).codec(Codec.utf8()).connectNow(WAIT));
        StreamConnection<String> accepted = server.connections().blockFirst(WAIT);
        assertThat(accepted.peer()).hasValueSatisfying(p -> {
            assertThat(p.pid()).isEqualTo((int) ProcessHandle.current().pid());
            assertThat(p.sameUser()).isTrue();
        });
        client.send(Flux.just("ping")).block(WAIT);
        StepVerifier.create(accepted.receive().take(1)).expectNext("ping").verifyComplete();
        server.disposeNow(WAIT);
        assertThat(Files.exists(path, LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    @DisplayName("an abstract-namespace Unix socket has no file and no mode, and still tells its peer's credentials")
    void abstractName() {
        String name = "interflux-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        StreamServer<String> server = keep(SocketServer.unixAbstract(name).codec(Codec.utf8())
                .handle(c -> c.send(c.receive().map(line -> line + " from " + c.peer().map(PeerCredentials::pid).orElse(-1))))
                .bindNow(WAIT));
        assertThat(server.path()).isNull();
        StreamConnection<String> client = keep(SocketClient.unixAbstract(name).codec(Codec.utf8()).connectNow(WAIT));
        client.send(Flux.just("hi")).subscribe();
        StepVerifier.create(client.receive().take(1)).expectNext("hi from " + ProcessHandle.current().pid()).verifyComplete();
        assertThatThrownBy(() -> SocketServer.unixAbstract(name).mode(0600))
                .hasMessageContaining("no file, so no permissions");
    }

    @Test
    @DisplayName("a peer the rule refuses is closed before its first byte reaches user code")
    void refusedPeer() {
        Path path = dir.resolve("strict.sock");
        List<String> served = new ArrayList<>();
        keep(SocketServer.unix(path).codec(Codec.utf8())
                .requirePeer(p -> p.uid() != io.interflux.internal.Native.libc().geteuid()) // refuses us
                .handle(c -> c.receive().doOnNext(served::add).then())
                .bindNow(WAIT));
        StreamConnection<String> client = keep(SocketClient.unix(path).codec(Codec.utf8()).connectNow(WAIT));
        client.send(Flux.just("secret")).onErrorResume(e -> Mono.empty()).subscribe();
        // the server closed it: an end of stream, or a reset when "secret" was still unread there
        StepVerifier.create(client.receive().onErrorResume(IOException.class, e -> Mono.empty()))
                .expectComplete()
                .verify(WAIT);
        assertThat(served).isEmpty();
    }

    @Test
    @DisplayName("a stale socket file is reclaimed; a live one, a symbolic link or a plain file is refused naming the path")
    void whatIsAtThePath() throws IOException {
        Path stale = dir.resolve("stale.sock");
        ServerSocketChannel old = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        old.bind(UnixDomainSocketAddress.of(stale));
        old.close(); // the file stays, nobody listens
        keep(SocketServer.unix(stale).bindNow(WAIT));
        assertThatThrownBy(() -> SocketServer.unix(stale).bindNow(WAIT))
                .isInstanceOf(IpcException.class)
                .hasMessageContaining(stale.toString()).hasMessageContaining("listening");
        Path link = dir.resolve("link.sock");
        Files.createSymbolicLink(link, stale);
        assertThatThrownBy(() -> SocketServer.unix(link).bindNow(WAIT))
                .isInstanceOf(IpcException.class).hasMessageContaining("symbolic link");
        Path plain = Files.createFile(dir.resolve("plain"));
        assertThatThrownBy(() -> SocketServer.unix(plain).bindNow(WAIT))
                .isInstanceOf(IpcException.class).hasMessageContaining("not a socket");
        assertThat(Files.exists(plain)).isTrue();
    }

    @Test
    @DisplayName("a receive reads only for demand: with none, frames stay in the socket; then exactly what is asked comes")
    void demandDriven() {
        StreamServer<String> server = keep(SocketServer.tcp("127.0.0.1", 0).codec(Codec.utf8()).bindNow(WAIT));
        StreamConnection<String> client = keep(SocketClient.tcp("127.0.0.1", server.port()).codec(Codec.utf8())
                .connectNow(WAIT));
        client.send(Flux.range(0, 1000).map(i -> "line " + i)).subscribe();
        StreamConnection<String> accepted = server.connections().blockFirst(WAIT);
        StepVerifier.create(accepted.receive(), 0)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(100))
                .thenRequest(3)
                .expectNext("line 0", "line 1", "line 2")
                .thenRequest(997)
                .expectNextCount(997)
                .thenCancel()
                .verify(WAIT);
    }

    @Test
    @DisplayName("connections() hands each connection to one subscriber for its demand; a later subscriber gets the next ones")
    void connectionsOneAtATime() {
        StreamServer<String> server = keep(SocketServer.tcp("127.0.0.1", 0).codec(Codec.utf8()).bindNow(WAIT));
        keep(SocketClient.tcp("127.0.0.1", server.port()).connectNow(WAIT));
        StreamConnection<String> first = keep(server.connections().blockFirst(WAIT));
        keep(SocketClient.tcp("127.0.0.1", server.port()).connectNow(WAIT));
        StreamConnection<String> second = keep(server.connections().blockFirst(WAIT));
        assertThat(second.remoteAddress()).isNotEqualTo(first.remoteAddress());
        Disposable holding = server.connections().subscribe();
        StepVerifier.create(server.connections())
                .expectErrorMessage("connections() has a subscriber already: one at a time")
                .verify(WAIT);
        holding.dispose();
        StepVerifier.create(server.connections())
                .then(server::dispose)
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    @DisplayName("a server's dispose closes the connections it accepted; after a cancelled receive the connection still answers")
    void disposeAndCancel() {
        StreamServer<String> server = keep(SocketServer.tcp("127.0.0.1", 0).codec(Codec.utf8()).bindNow(WAIT));
        StreamConnection<String> a = keep(SocketClient.tcp("127.0.0.1", server.port()).codec(Codec.utf8()).connectNow(WAIT));
        StreamConnection<String> accepted = server.connections().blockFirst(WAIT);
        a.send(Flux.just("question", "more")).block(WAIT);
        StepVerifier.create(accepted.send(accepted.receive().take(1).map(q -> "answer to " + q))).verifyComplete();
        // subscribed before the dispose: reactor-netty drops what it read for an inbound nobody
        // subscribed to when the connection closes (see the README's sockets section)
        StepVerifier.create(a.receive())
                .expectNext("answer to question")
                .then(accepted::dispose)
                .expectComplete()
                .verify(WAIT);
        StreamConnection<String> b = keep(SocketClient.tcp("127.0.0.1", server.port()).codec(Codec.utf8()).connectNow(WAIT));
        StreamConnection<String> held = server.connections().blockFirst(WAIT);
        server.disposeNow(WAIT);
        assertThat(held.isDisposed()).isTrue();
        StepVerifier.create(b.receive().onErrorResume(IOException.class, e -> Mono.empty())).expectComplete().verify(WAIT);
    }

    @Test
    @DisplayName("a live datagram socket at the path is not mistaken for a stale stream socket")
    void liveDatagramNotReclaimed() {
        Path path = dir.resolve("dgram.sock");
        keep(Datagrams.unix(path).bindNow(WAIT));
        assertThatThrownBy(() -> SocketServer.unix(path).bindNow(WAIT))
                .isInstanceOf(IpcException.class).hasMessageContaining(path.toString())
                .hasMessageContaining("other type");
        assertThat(Files.exists(path, LinkOption.NOFOLLOW_LINKS)).isTrue();
    }

    @Test
    @DisplayName("a frame over the limit fails the receive naming the limit, and a send of one fails before writing it")
    void oversize() {
        StreamServer<byte[]> server = keep(SocketServer.tcp("127.0.0.1", 0).framing(Framing.lengthPrefixed(16))
                .bindNow(WAIT));
        StreamConnection<byte[]> client = keep(SocketClient.tcp("127.0.0.1", server.port())
                .framing(Framing.lengthPrefixed(64)).connectNow(WAIT));
        StepVerifier.create(client.send(Flux.just(new byte[65])))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(FrameTooLargeException.class)
                        .hasMessageContaining("65").hasMessageContaining("64"))
                .verify(WAIT);
        client.send(Flux.just(new byte[8], new byte[40])).block(WAIT);
        StreamConnection<byte[]> accepted = server.connections().blockFirst(WAIT);
        StepVerifier.create(accepted.receive())
                .expectNextMatches(b -> b.length == 8)
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(FrameTooLargeException.class)
                        .hasMessageContaining("16"))
                .verify(WAIT);
    }

    @Test
    @DisplayName("a connection's emitter writes frames while the channel is writable, FAIL_OVERFLOW once the unread peer holds it back, and the peer gets exactly the emitted ones")
    void emitter() {
        StreamServer<String> server = keep(SocketServer.unix(dir.resolve("emit.sock")).codec(Codec.utf8()).bindNow(WAIT));
        StreamConnection<String> client = keep(SocketClient.unix(server.path()).codec(Codec.utf8()).connectNow(WAIT));
        StreamConnection<String> accepted = keep(server.connections().blockFirst(WAIT));
        io.interflux.Emitter<String> out = client.emitter();
        AtomicInteger ok = new AtomicInteger();
        AtomicLong received = new AtomicLong();
        StepVerifier.create(accepted.receive(), 0)
                .then(() -> {
                    // nobody reads: the socket's buffers fill, then the channel's outbound buffer
                    long deadline = System.nanoTime() + WAIT.toNanos();
                    while (System.nanoTime() < deadline) {
                        reactor.core.publisher.Sinks.EmitResult r = out.tryEmitNext(String.format("frame %07d", ok.get()));
                        if (r == reactor.core.publisher.Sinks.EmitResult.FAIL_OVERFLOW) {
                            break;
                        }
                        assertThat(r).isEqualTo(reactor.core.publisher.Sinks.EmitResult.OK);
                        ok.incrementAndGet();
                    }
                    assertThat(ok.get()).as("frames taken before the overflow").isPositive().isLessThan(10_000_000);
                })
                .thenRequest(Long.MAX_VALUE)
                // every frame up to the last emitted one; the last is left for the step after
                .thenConsumeWhile(line -> line.equals(String.format("frame %07d", received.getAndIncrement()))
                        && received.get() < ok.get())
                .expectNextMatches(line -> line.equals(String.format("frame %07d", ok.get() - 1)))
                .then(() -> {
                    // a send running: an emission would land among its frames
                    client.send(Flux.never()).subscribe();
                    assertThat(out.tryEmitNext("x")).isEqualTo(reactor.core.publisher.Sinks.EmitResult.FAIL_NON_SERIALIZED);
                    client.dispose();
                    assertThat(out.tryEmitNext("x")).isEqualTo(reactor.core.publisher.Sinks.EmitResult.FAIL_TERMINATED);
                })
                .expectComplete()
                .verify(WAIT);
        assertThat(received.get()).as("exactly the emitted frames, in order").isEqualTo(ok.get());
    }

    @Test
    @DisplayName("a datagram emitter sends at once, refuses an empty datagram, and answers FAIL_TERMINATED after dispose")
    void datagramEmitter() {
        DatagramSocket a = keep(Datagrams.unix(dir.resolve("a.sock")).bindNow(WAIT));
        DatagramSocket b = keep(Datagrams.unix(dir.resolve("b.sock")).bindNow(WAIT));
        io.interflux.Emitter<Datagram> out = a.emitter();
        StepVerifier.create(b.receive(Codec.utf8()).take(2))
                .then(() -> {
                    assertThat(out.tryEmitNext(Datagram.of("one", Codec.utf8(), b.address())))
                            .isEqualTo(reactor.core.publisher.Sinks.EmitResult.OK);
                    assertThat(out.tryEmitNext(Datagram.of("two", Codec.utf8(), b.address())))
                            .isEqualTo(reactor.core.publisher.Sinks.EmitResult.OK);
                })
                .expectNext("one", "two")
                .verifyComplete();
        assertThatThrownBy(() -> out.tryEmitNext(Datagram.of(new byte[0], b.address())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty datagram");
        a.dispose();
        assertThat(out.tryEmitNext(Datagram.of("late", Codec.utf8(), b.address())))
                .isEqualTo(reactor.core.publisher.Sinks.EmitResult.FAIL_TERMINATED);
    }

    @Test
    @DisplayName("a client opens more than 500 connections to one address, each its own (reactor-netty's pool would stop at 500)")
    void manyConnections() {
        org.junit.jupiter.api.Assumptions.assumeTrue(openFilesLimit() > 2_000, "needs more than 2000 descriptors");
        java.util.concurrent.atomic.AtomicInteger served = new java.util.concurrent.atomic.AtomicInteger();
        StreamServer<String> server = keep(SocketServer.unix(dir.resolve("many.sock")).codec(Codec.utf8())
                .handle(c -> {
                    served.incrementAndGet();
                    return Mono.never(); // each connection stays open until the test ends
                })
                .bindNow(WAIT));
        List<StreamConnection<String>> clients = Flux.range(0, 600)
                .flatMap(i -> SocketClient.unix(server.path()).codec(Codec.utf8()).connect(), 64)
                .collectList().block(WAIT);
        clients.forEach(this::keep);
        assertThat(clients).hasSize(600);
        assertThat(clients).allMatch(c -> !c.isDisposed(), "open");
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (served.get() < 600 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(served.get()).as("served by the server").isEqualTo(600);
    }

    @Test
    @DisplayName("a send whose values all went out completes although the peer closes straight after reading them")
    void sendThatFinishesCompletes() {
        StreamServer<byte[]> server = keep(SocketServer.unix(dir.resolve("full.sock"))
                .handle(c -> c.receive().take(1000).then()).bindNow(WAIT));
        StreamConnection<byte[]> client = keep(SocketClient.unix(server.path()).connectNow(WAIT));
        StepVerifier.create(client.send(Flux.range(0, 1000).map(i -> new byte[64]))).verifyComplete();
    }

    @Test
    @DisplayName("an unread connection holds its peer back: the peer's send of 8 MiB stays unfinished until the receive subscribes, then all of it arrives")
    void unreadHoldsThePeerBack() {
        StreamServer<byte[]> server = keep(SocketServer.unix(dir.resolve("slow.sock")).framing(Framing.raw()).bindNow(WAIT));
        StreamConnection<byte[]> client = keep(SocketClient.unix(server.path()).framing(Framing.raw()).connectNow(WAIT));
        int chunks = 128;
        java.util.concurrent.CompletableFuture<Void> sent = client.send(Flux.range(0, chunks).map(i -> new byte[64 * 1024]))
                .then(Mono.<Void>fromRunnable(client::dispose)).toFuture();
        StreamConnection<byte[]> accepted = keep(server.connections().blockFirst(WAIT));
        StepVerifier.create(Mono.fromFuture(sent, true)).expectSubscription()
                .expectNoEvent(Duration.ofMillis(300)).thenCancel().verify(WAIT);
        assertThat(sent).as("the send waits for a reader").isNotDone();
        StepVerifier.create(accepted.receive().map(b -> (long) b.length).reduce(0L, Long::sum))
                .expectNext((long) chunks * 64 * 1024).verifyComplete();
        assertThat(sent).succeedsWithin(WAIT);
    }

    private static long openFilesLimit() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    return Long.parseLong(line.split("\\s+")[3]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown: assume the common default
        }
        return 1024;
    }
}
