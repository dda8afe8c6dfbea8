package io.interflux.socket;

import io.interflux.Codec;
import io.interflux.testkit.tck.IpcPublisherVerification;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

import java.time.Duration;

/**
 * The Reactive Streams TCK on a stream connection's receive ({@link StreamConnection#receive()}),
 * for {@link UnixStreamReceiveTckTest} and {@link TcpStreamReceiveTckTest}: the server's handler
 * sends N lines and ends, which closes the connection, and the client's receive must deliver
 * exactly N, then complete. A peer that finishes before the receive is subscribed has its bytes
 * dropped with the connection (see the README), so the handler starts sending when the stream
 * under test is subscribed; the subscriber gets the stream's own subscription and signals. The
 * failed publisher is a connection's second receive: a subscription, then the
 * {@link IllegalStateException}.
 *
 * <p>Skipped, by the TCK: the {@code untested_} rules, and the optional multi-subscriber rules
 * 1.11: a connection allows one receive (a second one gets {@code onError}, as rule 1.9 allows).
 * The rules whose tests cancel after the peer closed, while some of its lines are undelivered
 * (1.1, 3.6, 3.7, 3.9, 3.12, 3.13), once found the receive's cancel hook throwing on a closed
 * channel; they run, and pass.
 */
abstract class StreamReceiveVerification extends IpcPublisherVerification<String> {

    static final Duration OPEN = Duration.ofSeconds(10);

    /** A server of lines of text, on its own address. */
    abstract StreamServerSpec<String> server();

    /** A client of lines of text to {@code server}. */
    abstract StreamClientSpec<String> client(StreamServer<String> server);

    @Override
    public Publisher<String> createPublisher(long elements) {
        Sinks.Empty<Void> subscribed = Sinks.empty();
        StreamServer<String> server = opened(server()
                .handle(c -> c.send(subscribed.asMono().thenMany(numbers(elements).map(String::valueOf))))
                .bindNow(OPEN));
        Flux<String> receive = opened(client(server).connectNow(OPEN)).receive();
        return subscriber -> {
            receive.subscribe(subscriber);
            subscribed.tryEmitEmpty();
        };
    }

    @Override
    public Publisher<String> createFailedPublisher() {
        StreamServer<String> server = opened(server().bindNow(OPEN));
        StreamConnection<String> client = opened(client(server).connectNow(OPEN));
        opened(client.receive().subscribe(line -> { }, error -> { }));
        return client.receive();
    }

    static StreamServerSpec<String> lines(StreamServerSpec<byte[]> spec) {
        return spec.codec(Codec.utf8());
    }

    static StreamClientSpec<String> lines(StreamClientSpec<byte[]> spec) {
        return spec.codec(Codec.utf8());
    }
}
