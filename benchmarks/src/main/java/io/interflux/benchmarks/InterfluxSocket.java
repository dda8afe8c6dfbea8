package io.interflux.benchmarks;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.socket.SocketClient;
import io.interflux.socket.SocketServer;
import io.interflux.socket.StreamClientSpec;
import io.interflux.socket.StreamConnection;
import io.interflux.socket.StreamServer;
import io.interflux.socket.StreamServerSpec;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Both ends of the Interflux side of the socket benchmarks, as a user writes them with
 * {@code io.interflux.socket}: chunks with {@link Framing#raw()} (a byte stream, as a file or a
 * stream of samples is sent, whose chunk boundaries mean nothing), read in place with
 * {@link ChunkSize} as the baselines read their reused buffers; frames with
 * {@code Framing.lengthPrefixed(64 KiB)} and the default {@link Codec#bytes()}, one byte[] per
 * frame both ways.
 */
final class InterfluxSocket implements SocketEnd {

    private final StreamServer<?> server;
    private final SocketEnd.Address address;
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private volatile long expected;

    private InterfluxSocket(SocketEnd.Work work, Path unix) {
        StreamServerSpec<byte[]> spec = (unix != null ? SocketServer.unix(unix) : SocketServer.tcp("127.0.0.1", 0))
                .framing(framing(work));
        switch (work) {
            case CHUNKS:
                server = spec.codec(ChunkSize.INSTANCE).handle(c -> {
                    long t0 = System.nanoTime();
                    long want = expected;
                    long[] bytes = {0};
                    return c.receive().takeUntil(chunk -> (bytes[0] += chunk) >= want)
                            .then(Mono.fromRunnable(() -> received.add(new Received(bytes[0], System.nanoTime() - t0))));
                }).bindNow(LIMIT);
                break;
            case FRAMES:
                server = spec.handle(c -> {
                    long t0 = System.nanoTime();
                    return c.receive().take(expected).count()
                            .doOnNext(frames -> received.add(new Received(frames, System.nanoTime() - t0))).then();
                }).bindNow(LIMIT);
                break;
            default:
                server = spec.bindNow(LIMIT); // connections() hands each echoing peer to roundTrips
        }
        address = unix != null ? SocketEnd.Address.unix(unix) : SocketEnd.Address.tcp(server.port());
    }

    /** The measuring end: a server for {@code work}, at {@code unix} or, when null, on a loopback port. */
    static SocketEnd listen(SocketEnd.Work work, Path unix) {
        return new InterfluxSocket(work, unix);
    }

    static Framing framing(SocketEnd.Work work) {
        return work == SocketEnd.Work.CHUNKS ? Framing.raw() : Framing.lengthPrefixed(MAX_FRAME);
    }

    @Override
    public SocketEnd.Address address() {
        return address;
    }

    @Override
    public void expect(long amount) {
        expected = amount;
    }

    @Override
    public Received receive() throws InterruptedException {
        Received r = received.poll(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        if (r == null) {
            throw new IllegalStateException("no connection ended within " + LIMIT + " at " + address);
        }
        return r;
    }

    @Override
    @SuppressWarnings("unchecked")
    public long[] roundTrips(int count) {
        StreamConnection<byte[]> c = ((StreamServer<byte[]>) server).connections().blockFirst(LIMIT);
        try {
            return RoundTrips.measure(c::send, c.receive(), new byte[SMALL], count);
        } finally {
            c.disposeNow(LIMIT);
        }
    }

    @Override
    public void close() {
        server.disposeNow(LIMIT);
    }

    private static StreamClientSpec<byte[]> client(SocketEnd.Address to, SocketEnd.Work work) {
        return (to.unix() ? SocketClient.unix(to.path) : SocketClient.tcp("127.0.0.1", to.port)).framing(framing(work));
    }

    /** The peer's side: connects, sends {@code count} payloads of the work's size as fast as they go, closes. */
    static void send(SocketEnd.Address to, SocketEnd.Work work, int count) {
        StreamConnection<byte[]> c = client(to, work).connectNow(LIMIT);
        try {
            byte[] payload = new byte[work.size()];
            c.send(Flux.range(0, count).map(i -> payload)).block(LIMIT);
        } finally {
            c.disposeNow(LIMIT);
        }
    }

    /** The peer's side of a ping-pong: sends back every frame until the other end closes. */
    static void echo(SocketEnd.Address to) {
        StreamConnection<byte[]> c = client(to, SocketEnd.Work.ECHO).connectNow(LIMIT);
        try {
            c.send(c.receive()).block(LIMIT);
        } finally {
            c.disposeNow(LIMIT);
        }
    }
}
