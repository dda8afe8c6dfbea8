package io.interflux.rpc;

import io.interflux.testkit.tck.IpcPublisherVerification;
import org.reactivestreams.Publisher;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The Reactive Streams TCK on an RPC request/stream ({@link RpcConnection#requestStream(String, Payload)})
 * over a Unix socket: the server's handler answers N payloads, asked for by request-n as the TCK
 * requests, and the stream must deliver exactly N, then complete. Each subscription is a call of
 * its own. The failed publisher is a request/stream on a disposed connection: a subscription,
 * then the error that the connection is closed.
 *
 * <p>Skipped, by the TCK: the {@code untested_} rules, which it has no test for.
 */
public class RequestStreamTckTest extends IpcPublisherVerification<Payload> {

    private static final Duration OPEN = Duration.ofSeconds(10);

    @Override
    public Publisher<Payload> createPublisher(long elements) {
        return connect().requestStream("numbers", Payload.of(Long.toString(elements)));
    }

    @Override
    public Publisher<Payload> createFailedPublisher() {
        RpcConnection connection = connect();
        connection.disposeNow(OPEN);
        return connection.requestStream("numbers", Payload.of("1"));
    }

    /** A server of {@code numbers} on a fresh socket, and a connection to it, both released after the test. */
    private RpcConnection connect() {
        Path path = temporaryDirectory().resolve("rpc.sock");
        Routes routes = Routes.empty().requestStream("numbers", request ->
                numbers(Long.parseLong(request.dataUtf8())).map(i -> Payload.of(Long.toString(i))));
        opened(Rpc.server(routes).bindNow(SocketRpc.unixServer(path), OPEN));
        return opened(Rpc.client().connectNow(SocketRpc.unix(path), OPEN));
    }
}
