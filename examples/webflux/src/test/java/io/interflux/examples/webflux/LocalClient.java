package io.interflux.examples.webflux;

import io.netty.channel.ChannelOption;
import io.netty.resolver.DefaultAddressResolverGroup;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import java.time.Duration;

/**
 * A {@link WebTestClient} for the application under test on its random port, built so that it
 * leaves nothing open for LeakCheck to find: a connection per exchange (no pool keeping sockets
 * after a test) and the JDK's resolver (Netty's DNS resolver would hold a datagram socket).
 * Its receive buffer is small, so that a test's slow reading reaches the server soon.
 */
public final class LocalClient {

    /** Bytes the client's socket buffers before its reader must take them. */
    public static final int RECEIVE_BUFFER = 16 * 1024;

    private static final ParameterizedTypeReference<ServerSentEvent<String>> SSE = new ParameterizedTypeReference<>() {
    };

    private LocalClient() {
    }

    /** A client of {@code http://127.0.0.1:port}. */
    public static WebTestClient of(int port) {
        HttpClient http = HttpClient.create(ConnectionProvider.newConnection())
                .resolver(DefaultAddressResolverGroup.INSTANCE)
                .option(ChannelOption.SO_RCVBUF, RECEIVE_BUFFER);
        return WebTestClient.bindToServer(new ReactorClientHttpConnector(http))
                .baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(20))
                .build();
    }

    /**
     * The events of the stream at {@code path}, once the response (200, {@code text/event-stream})
     * has arrived: they are read as they are requested.
     */
    public static Flux<ServerSentEvent<String>> events(WebTestClient client, String path) {
        return client.get().uri(path).accept(MediaType.TEXT_EVENT_STREAM).exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
                .returnResult(SSE).getResponseBody();
    }

    /** Whether {@code event} is one of {@link Heartbeat}'s, which tests that look at data skip. */
    public static boolean isHeartbeat(ServerSentEvent<?> event) {
        return Heartbeat.EVENT.equals(event.event());
    }
}
