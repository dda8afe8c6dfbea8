package io.interflux.rpc;

import io.interflux.rpc.internal.Session;
import io.interflux.rpc.internal.Settings;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.Objects;

/**
 * How an RPC connection is set up. Immutable: every method returns a new spec, and nothing is
 * opened until {@link #connect} or {@link #bind} is subscribed.
 *
 * <p>Defaults: keepalive every {@value #DEFAULT_KEEPALIVE_SECONDS} s with a lifetime of
 * {@value #DEFAULT_LIFETIME_SECONDS} s (rsocket-java's are 20 s and 90 s), frames up to
 * {@value #DEFAULT_MAX_FRAME_SIZE} bytes (the most RSocket's 24-bit frame length spells), a window
 * of {@value #DEFAULT_WINDOW} payloads taken from a publisher ahead of the transport, at most
 * {@value #DEFAULT_MAX_STREAMS} calls answered at once per connection, data MIME type
 * {@code application/octet-stream}.
 */
public final class RpcSpec {

    public static final int DEFAULT_KEEPALIVE_SECONDS = 5;
    public static final int DEFAULT_LIFETIME_SECONDS = 30;
    public static final int DEFAULT_MAX_FRAME_SIZE = 0xFF_FFFF;
    public static final int DEFAULT_WINDOW = 32;
    public static final int DEFAULT_MAX_STREAMS = 4096;

    static final RpcSpec DEFAULT = new RpcSpec(Routes.empty(), Duration.ofSeconds(DEFAULT_KEEPALIVE_SECONDS),
            Duration.ofSeconds(DEFAULT_LIFETIME_SECONDS), DEFAULT_MAX_FRAME_SIZE, DEFAULT_WINDOW, DEFAULT_MAX_STREAMS,
            "application/octet-stream");

    private final Routes routes;
    private final Duration keepAlive;
    private final Duration lifetime;
    private final int maxFrameSize;
    private final int window;
    private final int maxStreams;
    private final String dataMimeType;

    private RpcSpec(Routes routes, Duration keepAlive, Duration lifetime, int maxFrameSize, int window, int maxStreams,
                    String dataMimeType) {
        this.routes = routes;
        this.keepAlive = keepAlive;
        this.lifetime = lifetime;
        this.maxFrameSize = maxFrameSize;
        this.window = window;
        this.maxStreams = maxStreams;
        this.dataMimeType = dataMimeType;
    }

    /** What this side answers; a client may answer its server's calls too. */
    public RpcSpec routes(Routes routes) {
        return new RpcSpec(Objects.requireNonNull(routes, "routes"), keepAlive, lifetime, maxFrameSize, window, maxStreams, dataMimeType);
    }

    /**
     * The client sends a KEEPALIVE every {@code interval}; either side ends the connection when it
     * hears nothing from the peer for {@code maxLifetime}, failing every call in flight. A server
     * takes both from the client's SETUP.
     */
    public RpcSpec keepAlive(Duration interval, Duration maxLifetime) {
        if (interval.isNegative() || interval.isZero() || maxLifetime.compareTo(interval) < 0) {
            throw new IllegalArgumentException("0 < interval <= maxLifetime required but they were " + interval + " and " + maxLifetime);
        }
        return new RpcSpec(routes, interval, maxLifetime, maxFrameSize, window, maxStreams, dataMimeType);
    }

    /** The largest frame sent or accepted, 64 to {@value #DEFAULT_MAX_FRAME_SIZE} bytes. */
    public RpcSpec maxFrameSize(int bytes) {
        if (bytes < 64 || bytes > DEFAULT_MAX_FRAME_SIZE) {
            throw new IllegalArgumentException("maxFrameSize from 64 to " + DEFAULT_MAX_FRAME_SIZE + " required but it was " + bytes);
        }
        return new RpcSpec(routes, keepAlive, lifetime, bytes, window, maxStreams, dataMimeType);
    }

    /** Payloads taken from one publisher before the transport has written them, at most: 1 to 1024. */
    public RpcSpec window(int payloads) {
        if (payloads < 1 || payloads > 1024) {
            throw new IllegalArgumentException("window from 1 to 1024 required but it was " + payloads);
        }
        return new RpcSpec(routes, keepAlive, lifetime, maxFrameSize, payloads, maxStreams, dataMimeType);
    }

    /** Calls a peer may have this side answer at once; more are refused with {@link RpcException#REJECTED}. */
    public RpcSpec maxStreams(int streams) {
        if (streams < 1) {
            throw new IllegalArgumentException("maxStreams > 0 required but it was " + streams);
        }
        return new RpcSpec(routes, keepAlive, lifetime, maxFrameSize, window, streams, dataMimeType);
    }

    /** The data MIME type a client announces in SETUP ({@link RpcCodec#mimeType()} for typed services). */
    public RpcSpec dataMimeType(String mimeType) {
        if (mimeType.isEmpty() || mimeType.length() > 255) {
            throw new IllegalArgumentException("a MIME type of 1 to 255 characters required but it was '" + mimeType + "'");
        }
        return new RpcSpec(routes, keepAlive, lifetime, maxFrameSize, window, maxStreams, mimeType);
    }

    /** A connection as the client: it sends SETUP, and is ready once that is queued. */
    public Mono<RpcConnection> connect(ClientTransport transport) {
        Objects.requireNonNull(transport, "transport");
        return Mono.defer(() -> transport.connect(maxFrameSize))
                .flatMap(duplex -> new Session(duplex, true, settings()).start())
                .map(RpcConnection::new);
    }

    /** {@link #connect}, blocking for at most {@code timeout}: for {@code main} methods and tests. */
    public RpcConnection connectNow(ClientTransport transport, Duration timeout) {
        return connect(transport).block(timeout);
    }

    /**
     * A server: every connection the transport accepts is answered from {@link #routes(Routes)},
     * each set up by the client's SETUP.
     */
    public Mono<RpcServer> bind(ServerTransport transport) {
        Objects.requireNonNull(transport, "transport");
        return Mono.defer(() -> transport.bind(maxFrameSize)).map(bound -> new RpcServer(bound, settings()));
    }

    /** {@link #bind}, blocking for at most {@code timeout}: for {@code main} methods and tests. */
    public RpcServer bindNow(ServerTransport transport, Duration timeout) {
        return bind(transport).block(timeout);
    }

    Settings settings() {
        return new Settings(routes, keepAlive, lifetime, maxFrameSize, window, maxStreams, dataMimeType);
    }

    @Override
    public String toString() {
        return "RpcSpec[" + routes + ", keepAlive=" + keepAlive + "/" + lifetime + ", maxFrameSize=" + maxFrameSize + "]";
    }
}
