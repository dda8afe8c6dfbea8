package io.interflux.socket;

import io.interflux.MetricsRecorder;
import io.interflux.internal.metrics.Metering;
import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.internal.FrameEncoder;
import io.interflux.internal.Spi;
import io.interflux.socket.internal.FramingDecoder;
import io.netty.channel.unix.DomainSocketAddress;
import reactor.core.publisher.Mono;
import reactor.netty.resources.LoopResources;
import reactor.netty.tcp.TcpClient;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * An immutable description of a stream-socket client, TCP or Unix: where it connects and how the
 * connection is framed and coded. Nothing touches the OS until {@link #connect()} is subscribed.
 *
 * <pre>{@code
 * StreamConnection<String> c = SocketClient.tcp("127.0.0.1", 7000)
 *     .framing(Framing.lines()).codec(Codec.utf8())
 *     .connectNow(Duration.ofSeconds(5));
 * }</pre>
 */
public final class StreamClientSpec<T> {

    final String host;
    final int port;
    final Path path;
    final Framing framing;
    final Codec<T> codec;
    final LoopResources loops;
    final MetricsRecorder metrics;

    StreamClientSpec(String host, int port, Path path, Framing framing, Codec<T> codec) {
        this(host, port, path, framing, codec, null, Metering.NONE);
    }

    private StreamClientSpec(String host, int port, Path path, Framing framing, Codec<T> codec, LoopResources loops, MetricsRecorder metrics) {
        this.metrics = metrics;
        this.host = host;
        this.port = port;
        this.path = path;
        this.framing = framing;
        this.codec = codec;
        this.loops = loops;
    }

    /** How the connection is cut into frames; {@link Framing#lines()} by default. */
    public StreamClientSpec<T> framing(Framing framing) {
        return new StreamClientSpec<>(host, port, path, Objects.requireNonNull(framing, "framing"), codec, loops, metrics);
    }

    /** How frames become values; {@link Codec#bytes()} by default. */
    public <R> StreamClientSpec<R> codec(Codec<R> codec) {
        return new StreamClientSpec<>(host, port, path, framing, Objects.requireNonNull(codec, "codec"), loops, metrics);
    }

    /** The reactor-netty event loops the connection runs on; see {@link StreamServerSpec#runOn(LoopResources)}. */
    public StreamClientSpec<T> runOn(LoopResources loops) {
        return new StreamClientSpec<>(host, port, path, framing, codec, Objects.requireNonNull(loops, "loops"), metrics);
    }

    /** Connects when subscribed; fails naming the address when nobody listens there. */
    public Mono<StreamConnection<T>> connect() {
        return Mono.defer(() -> {
            SocketAddress address = path != null ? new DomainSocketAddress(path.toString())
                    : port == StreamServerSpec.ABSTRACT ? SocketPaths.abstractAddress(host)
                    : InetSocketAddress.createUnresolved(host, port); // resolved by reactor-netty, without blocking
            String description = describe();
            FrameEncoder encoder = Spi.encoder(framing);
            // a connection of its own, not one of reactor-netty's pool: the pool holds at most 500
            // per address (the 501st waited 45 s and failed in the scale benchmark), and a
            // connection here is the user's to keep or dispose, never to hand back for reuse
            TcpClient tcp = loops != null ? TcpClient.newConnection().runOn(loops) : TcpClient.newConnection();
            return tcp
                    .remoteAddress(() -> address)
                    .doOnConnected(c -> {
                        if (metrics != Metering.NONE) {
                            c.addHandlerFirst("interflux-metrics", new MeteringHandler(metrics));
                        }
                        c.addHandlerLast("interflux-framing", new FramingDecoder(framing, codec, description));
                    })
                    .connect()
                    .map(c -> new StreamConnection<>(c, description, codec, encoder, metrics));
        });
    }

    /** {@link #connect()}, blocking for at most {@code timeout}: for {@code main} methods and tests only. */
    public StreamConnection<T> connectNow(Duration timeout) {
        return connect().block(timeout);
    }

    String describe() {
        return path != null ? "Unix socket " + path + " (client)"
                : port == StreamServerSpec.ABSTRACT ? "Unix socket @" + host + " (client)"
                : "TCP connection to " + host + ":" + port;
    }

    @Override
    public String toString() {
        return "StreamClientSpec[" + describe() + "]";
    }

    /**
     * Turns on Micrometer meters for what this spec opens ({@code true}), tagged
     * {@code mechanism} ({@code unix} or {@code tcp}) and a {@code name} of the same; see {@link MetricsRecorder#micrometer(String, String)}
     * for the meters. Off by default, and then nothing of Micrometer is loaded.
     *
     * @throws IllegalStateException when {@code io.micrometer:micrometer-core} is not on the class path
     */
    public StreamClientSpec<T> metrics(boolean enable) {
        return metrics(Metering.enabled(enable, mechanism()));
    }

    /**
     * Turns on Micrometer meters tagged {@code mechanism} ({@code unix} or {@code tcp}) and {@code name=<name>}: a fixed
     * name of your choosing (1 to 64 characters of {@code [A-Za-z0-9._-]}), never a path or an id.
     *
     * @throws IllegalStateException when {@code io.micrometer:micrometer-core} is not on the class path
     */
    public StreamClientSpec<T> metrics(String name) {
        return metrics(MetricsRecorder.micrometer(mechanism(), name));
    }

    /** Reports to a recorder of your own instead of Micrometer's; {@link MetricsRecorder} says what it is told. */
    public StreamClientSpec<T> metrics(MetricsRecorder recorder) {
        MetricsRecorder metrics = Metering.custom(recorder);
        return new StreamClientSpec<>(host, port, path, framing, codec, loops, metrics);
    }

    /** The metrics tag of this spec's mechanism. */
    String mechanism() {
        return path != null || port == StreamServerSpec.ABSTRACT ? "unix" : "tcp";
    }
}
