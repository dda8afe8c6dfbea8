package io.interflux.socket;

import io.interflux.MetricsRecorder;
import io.interflux.internal.metrics.Metering;
import reactor.core.publisher.Mono;
import reactor.netty.resources.LoopResources;

import java.nio.file.Path;
import java.time.Duration;

/**
 * An immutable description of a datagram socket, UDP or Unix, bound to a local address: the
 * largest datagram it sends or takes and, for a Unix socket, its file's mode and removal. Nothing
 * touches the OS until {@link #bind()} is subscribed.
 *
 * <pre>{@code
 * DatagramSocket socket = Datagrams.udp("127.0.0.1", 0).maxSize(1200).bindNow(Duration.ofSeconds(5));
 * }</pre>
 */
public final class DatagramSpec {

    /** The largest UDP payload over IPv4. */
    public static final int MAX_UDP = 65507;
    /** The largest datagram unless {@link #maxSize(int)} says otherwise. */
    public static final int DEFAULT_MAX_SIZE = 8192;

    final String host;
    final int port;
    final Path path;
    final int maxSize;
    final int mode;
    final boolean removeOnDispose;
    final LoopResources loops;
    final MetricsRecorder metrics;

    DatagramSpec(String host, int port, Path path, int maxSize, int mode, boolean removeOnDispose) {
        this(host, port, path, maxSize, mode, removeOnDispose, null, Metering.NONE);
    }

    private DatagramSpec(String host, int port, Path path, int maxSize, int mode, boolean removeOnDispose,
                         LoopResources loops, MetricsRecorder metrics) {
        this.metrics = metrics;
        this.host = host;
        this.port = port;
        this.path = path;
        this.maxSize = maxSize;
        this.mode = mode;
        this.removeOnDispose = removeOnDispose;
        this.loops = loops;
    }

    boolean unix() {
        return path != null;
    }

    /**
     * The largest datagram this socket sends or takes, in bytes, {@value #DEFAULT_MAX_SIZE} by
     * default (at most {@value #MAX_UDP} for UDP). A larger one to send fails the send before it
     * goes out; a larger one received fails the receive naming the limit, and nothing after it is
     * delivered.
     */
    public DatagramSpec maxSize(int bytes) {
        int max = unix() ? 1 << 20 : MAX_UDP;
        if (bytes < 1 || bytes > max) {
            throw new IllegalArgumentException("maxSize must be from 1 to " + max + " but it was " + bytes);
        }
        return new DatagramSpec(host, port, path, bytes, mode, removeOnDispose, loops, metrics);
    }

    /** The permission bits of the Unix socket file, octal 0600 by default, applied exactly. Unix only. */
    public DatagramSpec mode(int mode) {
        if (!unix()) {
            throw new IllegalArgumentException("mode applies to Unix sockets only, not to UDP " + host + ":" + port);
        }
        if ((mode & ~0777) != 0) {
            throw new IllegalArgumentException("mode must be permission bits within 0777 but it was 0"
                    + Integer.toOctalString(mode));
        }
        return new DatagramSpec(host, port, path, maxSize, mode, removeOnDispose, loops, metrics);
    }

    /** Whether disposing removes the Unix socket file this socket made; {@code true} by default. Unix only. */
    public DatagramSpec removeOnDispose(boolean remove) {
        if (!unix()) {
            throw new IllegalArgumentException("removeOnDispose applies to Unix sockets only");
        }
        return new DatagramSpec(host, port, path, maxSize, mode, remove, loops, metrics);
    }

    /** The reactor-netty event loops the socket runs on; see {@link StreamServerSpec#runOn(LoopResources)}. */
    public DatagramSpec runOn(LoopResources loops) {
        return new DatagramSpec(host, port, path, maxSize, mode, removeOnDispose, java.util.Objects.requireNonNull(loops, "loops"), metrics);
    }

    /** Binds when subscribed; a Unix socket's path is checked and made as {@link SocketServer#unix} does. */
    public Mono<DatagramSocket> bind() {
        return DatagramSocket.bind(this);
    }

    /** {@link #bind()}, blocking for at most {@code timeout}: for {@code main} methods and tests only. */
    public DatagramSocket bindNow(Duration timeout) {
        return bind().block(timeout);
    }

    String describe() {
        return unix() ? "Unix datagram socket " + path : "UDP " + host + ":" + port;
    }

    @Override
    public String toString() {
        return "DatagramSpec[" + describe() + ", max " + maxSize + " bytes]";
    }

    /**
     * Turns on Micrometer meters for what this spec opens ({@code true}), tagged
     * {@code mechanism} ({@code unix-dgram} or {@code udp}) and a {@code name} of the same; see {@link MetricsRecorder#micrometer(String, String)}
     * for the meters. Off by default, and then nothing of Micrometer is loaded.
     *
     * @throws IllegalStateException when {@code io.micrometer:micrometer-core} is not on the class path
     */
    public DatagramSpec metrics(boolean enable) {
        return metrics(Metering.enabled(enable, mechanism()));
    }

    /**
     * Turns on Micrometer meters tagged {@code mechanism} ({@code unix-dgram} or {@code udp}) and {@code name=<name>}: a fixed
     * name of your choosing (1 to 64 characters of {@code [A-Za-z0-9._-]}), never a path or an id.
     *
     * @throws IllegalStateException when {@code io.micrometer:micrometer-core} is not on the class path
     */
    public DatagramSpec metrics(String name) {
        return metrics(MetricsRecorder.micrometer(mechanism(), name));
    }

    /** Reports to a recorder of your own instead of Micrometer's; {@link MetricsRecorder} says what it is told. */
    public DatagramSpec metrics(MetricsRecorder recorder) {
        MetricsRecorder metrics = Metering.custom(recorder);
        return new DatagramSpec(host, port, path, maxSize, mode, removeOnDispose, loops, metrics);
    }

    /** The metrics tag of this spec's mechanism. */
    String mechanism() {
        return unix() ? "unix-dgram" : "udp";
    }
}
