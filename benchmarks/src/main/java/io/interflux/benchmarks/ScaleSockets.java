package io.interflux.benchmarks;

import io.interflux.Codec;
import io.interflux.Emitter;
import io.interflux.Framing;
import io.interflux.socket.SocketClient;
import io.interflux.socket.StreamClientSpec;
import io.interflux.socket.StreamConnection;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.util.function.Tuples;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code scale-unix}: N Unix socket connections from this JVM to one {@link ScalePeer} process,
 * which serves them all from one selector thread: it echoes each 64-byte ping, and on an
 * {@code 's'} message streams the connection's share and closes it.
 *
 * <ul>
 *   <li>{@code interflux-default}: {@code SocketClient.unix(path).framing(Framing.raw())}, the
 *       default {@link Codec#bytes()}: a {@code byte[]} per chunk; pings through the
 *       connection's emitter;</li>
 *   <li>{@code interflux-in-place}: the same with a codec that reads each chunk's size in the read
 *       buffer ({@link SizeInPlace}) and writes pings as they are;</li>
 *   <li>{@code jdk-thread-per-connection}: a blocking {@link SocketChannel} per connection with a
 *       thread reading it into its own 64 KiB direct buffer; pings written from the pinging thread.</li>
 * </ul>
 */
final class ScaleSockets {

    static final Duration LIMIT = Duration.ofSeconds(60);
    /** Interflux connections being opened at once. */
    static final int CONNECTING = 16;

    private ScaleSockets() {
    }

    static ScaleStreams create(String impl, ScaleWorkload workload, Path socket) {
        switch (impl) {
            case "interflux-default":
                return new Interflux(socket, workload.streams, false);
            case "interflux-in-place":
                return new Interflux(socket, workload.streams, true);
            case "jdk-thread-per-connection":
                return new Jdk(socket, workload.streams);
            default:
                throw new IllegalArgumentException("unknown unix implementation " + impl);
        }
    }

    /**
     * Reads each chunk's size in place, as {@link ChunkSize} does, and sends {@code byte[]}s as they
     * are: a connection's codec serves both directions.
     */
    static final class SizeInPlace implements Codec<Object> {
        static final SizeInPlace INSTANCE = new SizeInPlace();

        @Override
        public byte[] encode(Object value) {
            return (byte[]) value;
        }

        @Override
        public Object decode(byte[] payload) {
            return payload.length;
        }

        @Override
        public Object decode(ByteBuffer frame) {
            return frame.remaining();
        }
    }

    /** Interflux {@link StreamConnection}s on reactor-netty's default loops. */
    static final class Interflux implements ScaleStreams {
        private final Path socket;
        private final boolean inPlace;
        private final StreamConnection<?>[] connections;
        private final Disposable[] reading;
        private final Emitter<byte[]>[] pings;

        @SuppressWarnings("unchecked")
        Interflux(Path socket, int n, boolean inPlace) {
            this.socket = socket;
            this.inPlace = inPlace;
            this.connections = new StreamConnection[n];
            this.reading = new Disposable[n];
            this.pings = new Emitter[n];
        }

        @Override
        @SuppressWarnings("unchecked")
        public void open(ScaleMeter meter) {
            StreamClientSpec<byte[]> spec = SocketClient.unix(socket).framing(Framing.raw());
            // connected a few at a time, as a reactive application opens many: one by one they take
            // a few milliseconds each here
            Flux.range(0, connections.length)
                    .flatMap(i -> (inPlace ? spec.codec(SizeInPlace.INSTANCE).connect() : spec.connect())
                            .map(c -> Tuples.of(i, (StreamConnection<?>) c)), CONNECTING)
                    .doOnNext(t -> connections[t.getT1()] = t.getT2())
                    .then().block(LIMIT.multipliedBy(2));
            for (int i = 0; i < connections.length; i++) {
                int s = i;
                if (inPlace) {
                    StreamConnection<Object> c = (StreamConnection<Object>) connections[i];
                    pings[i] = (Emitter<byte[]>) (Emitter<?>) c.emitter();
                    reading[i] = c.receive().subscribe(size -> meter.received(s, (Integer) size), t -> meter.failed(s, t),
                            () -> meter.ended(s));
                } else {
                    StreamConnection<byte[]> c = (StreamConnection<byte[]>) connections[i];
                    pings[i] = c.emitter();
                    reading[i] = c.receive().subscribe(chunk -> meter.received(s, chunk.length), t -> meter.failed(s, t),
                            () -> meter.ended(s));
                }
            }
        }

        @Override
        public boolean ping(int i, byte[] message) {
            Sinks.EmitResult r = pings[i].tryEmitNext(message);
            if (r == Sinks.EmitResult.FAIL_OVERFLOW) {
                return false;
            }
            if (r.isFailure()) {
                throw new IllegalStateException("ping on " + pings[i].describe() + ": " + r);
            }
            return true;
        }

        @Override
        public void stream() {
            for (int i = 0; i < connections.length; i++) {
                if (!ping(i, ScaleWorkload.message('s', i))) {
                    throw new IllegalStateException("connection " + i + " not writable for its order to stream");
                }
            }
        }

        @Override
        public void close() {
            for (int i = 0; i < connections.length; i++) {
                if (reading[i] != null) {
                    reading[i].dispose();
                }
                if (connections[i] != null) {
                    connections[i].dispose();
                }
            }
        }
    }

    /** Blocking {@link SocketChannel}s, a reading thread each. */
    static final class Jdk implements ScaleStreams {
        private final Path socket;
        private final SocketChannel[] channels;

        Jdk(Path socket, int n) {
            this.socket = socket;
            this.channels = new SocketChannel[n];
        }

        @Override
        public void open(ScaleMeter meter) throws IOException {
            for (int i = 0; i < channels.length; i++) {
                int s = i;
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                channels[i] = ch;
                ch.connect(UnixDomainSocketAddress.of(socket));
                Thread reader = new Thread(() -> {
                    ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
                    try {
                        for (int r; (r = ch.read(buffer)) >= 0; buffer.clear()) {
                            meter.received(s, r);
                        }
                        meter.ended(s);
                    } catch (IOException | RuntimeException e) {
                        meter.failed(s, e);
                    }
                }, "unix-" + i);
                reader.setDaemon(true);
                reader.start();
            }
        }

        @Override
        public boolean ping(int i, byte[] message) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(message);
            while (b.hasRemaining()) {
                channels[i].write(b);
            }
            return true;
        }

        @Override
        public void stream() throws IOException {
            for (int i = 0; i < channels.length; i++) {
                ping(i, ScaleWorkload.message('s', i));
            }
        }

        @Override
        public void close() throws IOException {
            for (SocketChannel ch : channels) {
                if (ch != null) {
                    ch.close();
                }
            }
        }
    }
}
