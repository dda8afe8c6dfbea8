package io.interflux.socket;

import io.interflux.MetricsRecorder;
import io.interflux.internal.metrics.Metering;
import io.interflux.Codec;
import io.interflux.Framing;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.resources.LoopResources;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * An immutable description of a stream-socket server, TCP or Unix: where it listens, how its
 * connections are framed and coded, and, for a Unix socket, the file's mode, its removal on
 * dispose and which peers it accepts. Each method returns a new spec; nothing touches the OS
 * until {@link #bind()} is subscribed.
 *
 * <pre>{@code
 * StreamServer<String> server = SocketServer.unix(Path.of("/run/app/api.sock"))
 *     .framing(Framing.lines()).codec(Codec.utf8())
 *     .requirePeer(PeerCredentials::sameUser)
 *     .handle(c -> c.send(c.receive().map(String::toUpperCase)))
 *     .bindNow(Duration.ofSeconds(5));
 * }</pre>
 */
public final class StreamServerSpec<T> {

    /** The mode of a Unix socket file unless {@link #mode(int)} says otherwise. */
    public static final int DEFAULT_MODE = 0600;

    final String host;
    final int port;
    final Path path;
    final Framing framing;
    final Codec<T> codec;
    final int mode;
    final boolean removeOnDispose;
    final Predicate<? super PeerCredentials> requirePeer;
    final Function<? super StreamConnection<T>, ? extends Publisher<Void>> handler;
    final LoopResources loops;
    final MetricsRecorder metrics;

    StreamServerSpec(String host, int port, Path path, Framing framing, Codec<T> codec, int mode,
                     boolean removeOnDispose, Predicate<? super PeerCredentials> requirePeer,
                     Function<? super StreamConnection<T>, ? extends Publisher<Void>> handler) {
        this(host, port, path, framing, codec, mode, removeOnDispose, requirePeer, handler, null, Metering.NONE);
    }

    private StreamServerSpec(String host, int port, Path path, Framing framing, Codec<T> codec, int mode,
                             boolean removeOnDispose, Predicate<? super PeerCredentials> requirePeer,
                             Function<? super StreamConnection<T>, ? extends Publisher<Void>> handler,
                             LoopResources loops, MetricsRecorder metrics) {
        this.metrics = metrics;
        this.host = host;
        this.port = port;
        this.path = path;
        this.framing = framing;
        this.codec = codec;
        this.mode = mode;
        this.removeOnDispose = removeOnDispose;
        this.requirePeer = requirePeer;
        this.handler = handler;
        this.loops = loops;
    }

    /** The port of a spec for an abstract Unix name, which {@code host} then holds. */
    static final int ABSTRACT = -2;

    boolean unix() {
        return path != null || port == ABSTRACT;
    }

    /** The abstract-namespace name, or {@code null}. */
    String abstractName() {
        return port == ABSTRACT ? host : null;
    }

    /** How connections are cut into frames; {@link Framing#lines()} by default, as for pipes and FIFOs. */
    public StreamServerSpec<T> framing(Framing framing) {
        return new StreamServerSpec<>(host, port, path, Objects.requireNonNull(framing, "framing"), codec, mode,
                removeOnDispose, requirePeer, handler, loops, metrics);
    }

    /** How frames become values; {@link Codec#bytes()} by default. Set it before {@link #handle}. */
    public <R> StreamServerSpec<R> codec(Codec<R> codec) {
        if (handler != null) {
            throw new IllegalStateException("set the codec before handle(...): the handler takes connections of the codec's type");
        }
        return new StreamServerSpec<>(host, port, path, framing, Objects.requireNonNull(codec, "codec"), mode,
                removeOnDispose, requirePeer, null, loops, metrics);
    }

    /**
     * The permission bits of the Unix socket file, {@value #DEFAULT_MODE} (octal 0600) by default,
     * applied exactly and before anyone can connect. Only for Unix sockets.
     */
    public StreamServerSpec<T> mode(int mode) {
        requireFile("mode");
        if ((mode & ~0777) != 0) {
            throw new IllegalArgumentException("mode must be permission bits within 0777 but it was 0"
                    + Integer.toOctalString(mode));
        }
        return new StreamServerSpec<>(host, port, path, framing, codec, mode, removeOnDispose, requirePeer, handler, loops, metrics);
    }

    /** Whether disposing removes the Unix socket file this server made; {@code true} by default. */
    public StreamServerSpec<T> removeOnDispose(boolean remove) {
        requireFile("removeOnDispose");
        return new StreamServerSpec<>(host, port, path, framing, codec, mode, remove, requirePeer, handler, loops, metrics);
    }

    /**
     * Accepts only peers whose credentials ({@code SO_PEERCRED}) pass {@code rule}, such as
     * {@link PeerCredentials#sameUser()}; others are closed before a byte of theirs reaches the
     * handler or {@link StreamServer#connections()}, and the refusal is logged. Only for Unix sockets.
     */
    public StreamServerSpec<T> requirePeer(Predicate<? super PeerCredentials> rule) {
        requireUnix("requirePeer");
        return new StreamServerSpec<>(host, port, path, framing, codec, mode, removeOnDispose,
                Objects.requireNonNull(rule, "rule"), handler, loops, metrics);
    }

    /**
     * Serves each connection with {@code handler}, in reactor-netty's manner: when the publisher
     * it returns ends, the connection is closed. Without a handler, connections are handed out by
     * {@link StreamServer#connections()}.
     */
    public StreamServerSpec<T> handle(Function<? super StreamConnection<T>, ? extends Publisher<Void>> handler) {
        return new StreamServerSpec<>(host, port, path, framing, codec, mode, removeOnDispose, requirePeer,
                Objects.requireNonNull(handler, "handler"), loops, metrics);
    }

    /**
     * The reactor-netty event loops connections run on; by default reactor-netty's shared
     * {@code TcpResources} (threads {@code reactor-tcp-epoll-N}, as many as
     * {@code reactor.netty.ioWorkerCount} says, by default the number of cores but at least 4).
     * Interflux's own {@link io.interflux.EventLoop} serves pipes, FIFOs and queues; sockets never
     * use it. Pass the same {@code LoopResources} as the rest of the application (a WebFlux
     * server's, say) to share one set of threads.
     */
    public StreamServerSpec<T> runOn(LoopResources loops) {
        return new StreamServerSpec<>(host, port, path, framing, codec, mode, removeOnDispose, requirePeer, handler,
                Objects.requireNonNull(loops, "loops"), metrics);
    }

    private void requireFile(String what) {
        requireUnix(what);
        if (path == null) {
            throw new IllegalArgumentException(what + " applies to Unix socket files; the abstract name \""
                    + host + "\" has no file, so no permissions and nothing to remove");
        }
    }

    private void requireUnix(String what) {
        if (!unix()) {
            throw new IllegalArgumentException(what + " applies to Unix sockets only, not to TCP " + host + ":" + port);
        }
    }

    /**
     * Listens when subscribed. A Unix server first checks what is at its path (a symbolic link or
     * a non-socket is refused, a stale socket of this user is removed, a live one is refused);
     * that check and the bind run on {@link reactor.core.scheduler.Schedulers#boundedElastic()}.
     */
    public Mono<StreamServer<T>> bind() {
        return StreamServer.bind(this);
    }

    /** {@link #bind()}, blocking for at most {@code timeout}: for {@code main} methods and tests only. */
    public StreamServer<T> bindNow(Duration timeout) {
        return bind().block(timeout);
    }

    String describe() {
        return port == ABSTRACT ? "Unix socket @" + host : unix() ? "Unix socket " + path : "TCP " + host + ":" + port;
    }

    @Override
    public String toString() {
        return "StreamServerSpec[" + describe() + "]";
    }

    /**
     * Turns on Micrometer meters for what this spec opens ({@code true}), tagged
     * {@code mechanism} ({@code unix} or {@code tcp}) and a {@code name} of the same; see {@link MetricsRecorder#micrometer(String, String)}
     * for the meters. Off by default, and then nothing of Micrometer is loaded.
     *
     * @throws IllegalStateException when {@code io.micrometer:micrometer-core} is not on the class path
     */
    public StreamServerSpec<T> metrics(boolean enable) {
        return metrics(Metering.enabled(enable, mechanism()));
    }

    /**
     * Turns on Micrometer meters tagged {@code mechanism} ({@code unix} or {@code tcp}) and {@code name=<name>}: a fixed
     * name of your choosing (1 to 64 characters of {@code [A-Za-z0-9._-]}), never a path or an id.
     *
     * @throws IllegalStateException when {@code io.micrometer:micrometer-core} is not on the class path
     */
    public StreamServerSpec<T> metrics(String name) {
        return metrics(MetricsRecorder.micrometer(mechanism(), name));
    }

    /** Reports to a recorder of your own instead of Micrometer's; {@link MetricsRecorder} says what it is told. */
    public StreamServerSpec<T> metrics(MetricsRecorder recorder) {
        MetricsRecorder metrics = Metering.custom(recorder);
        return new StreamServerSpec<>(host, port, path, framing, codec, mode, removeOnDispose, requirePeer, handler,
                loops, metrics);
    }

    /** The metrics tag of this spec's mechanism. */
    String mechanism() {
        return unix() ? "unix" : "tcp";
    }
}
