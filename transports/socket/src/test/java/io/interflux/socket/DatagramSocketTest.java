package io.interflux.socket;

import io.interflux.Codec;
import io.interflux.FrameTooLargeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
@DisplayName("Datagram sockets")
class DatagramSocketTest {

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
    @DisplayName("UDP datagrams on loopback arrive whole with their sender, and wait in the kernel until asked for")
    void udpWithSender() {
        DatagramSocket a = keep(Datagrams.udp("127.0.0.1", 0).bindNow(WAIT));
        DatagramSocket b = keep(Datagrams.udp("127.0.0.1", 0).bindNow(WAIT));
        InetSocketAddress toB = new InetSocketAddress("127.0.0.1", b.port());
        a.send(Flux.range(0, 5).map(i -> Datagram.of("d" + i, Codec.utf8(), toB))).block(WAIT);
        StepVerifier.create(b.receive(), 0)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(100))
                .thenRequest(2)
                .assertNext(d -> {
                    assertThat(d.decode(Codec.utf8())).isEqualTo("d0");
                    assertThat(((InetSocketAddress) d.address()).getPort()).isEqualTo(a.port());
                })
                .expectNextMatches(d -> d.decode(Codec.utf8()).equals("d1"))
                .thenRequest(3)
                .expectNextCount(3)
                .thenCancel()
                .verify(WAIT);
    }

    @Test
    @DisplayName("a datagram over the limit is refused before sending, and refused on receipt (dropped, counted) without ending the stream")
    void oversize() {
        DatagramSocket small = keep(Datagrams.udp("127.0.0.1", 0).maxSize(100).bindNow(WAIT));
        DatagramSocket big = keep(Datagrams.udp("127.0.0.1", 0).maxSize(1000).bindNow(WAIT));
        StepVerifier.create(small.send(Flux.just(Datagram.of(new byte[101], big.address()))))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(FrameTooLargeException.class)
                        .hasMessageContaining("limit=100"))
                .verify(WAIT);
        InetSocketAddress toSmall = new InetSocketAddress("127.0.0.1", small.port());
        big.send(Flux.just(Datagram.of(new byte[50], toSmall), Datagram.of(new byte[500], toSmall),
                Datagram.of(new byte[60], toSmall))).block(WAIT);
        StepVerifier.create(small.receive().take(2))
                .expectNextMatches(d -> d.size() == 50)
                .expectNextMatches(d -> d.size() == 60)
                .verifyComplete();
        assertThat(small.refusedDatagrams()).isEqualTo(1);
        assertThatThrownBy(() -> Datagrams.udp("127.0.0.1", 0).maxSize(DatagramSpec.MAX_UDP + 1))
                .hasMessageContaining(String.valueOf(DatagramSpec.MAX_UDP + 1));
    }

    @Test
    @DisplayName("Unix datagram sockets are 0600 files, exchange datagrams with the sender's path, and are removed on dispose")
    void unixDatagrams() throws IOException {
        Path ap = dir.resolve("a.sock");
        Path bp = dir.resolve("b.sock");
        DatagramSocket a = keep(Datagrams.unix(ap).bindNow(WAIT));
        DatagramSocket b = keep(Datagrams.unix(bp).bindNow(WAIT));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ap, LinkOption.NOFOLLOW_LINKS)))
                .isEqualTo("rw-------");
        a.send(Flux.just(Datagram.of("hello", Codec.utf8(), Datagrams.address(bp)))).block(WAIT);
        java.net.SocketAddress[] sender = new java.net.SocketAddress[1];
        StepVerifier.create(b.receive().take(1))
                .assertNext(d -> {
                    assertThat(d.decode(Codec.utf8())).isEqualTo("hello");
                    assertThat(d.address()).isEqualTo(Datagrams.address(ap)); // its real path: an answer reaches it
                    sender[0] = d.address();
                })
                .verifyComplete();
        b.send(Flux.just(Datagram.of("hello back", Codec.utf8(), sender[0]))).block(WAIT);
        StepVerifier.create(a.receive().take(1))
                .expectNextMatches(d -> d.decode(Codec.utf8()).equals("hello back"))
                .verifyComplete();
        a.disposeNow(WAIT);
        assertThat(Files.exists(ap, LinkOption.NOFOLLOW_LINKS)).isFalse();
    }
}
