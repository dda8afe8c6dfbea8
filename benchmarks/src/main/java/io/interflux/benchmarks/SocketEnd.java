package io.interflux.benchmarks;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The measuring end of one socket implementation ({@link InterfluxSocket}, {@link NettySocket},
 * {@link JdkSocket}) in a {@link SocketGroup}: a socket listening on loopback or at a Unix path,
 * to which the {@link SocketPeer} connects once per round, to send (chunks, frames) or to echo.
 */
interface SocketEnd extends AutoCloseable {

    Duration LIMIT = Duration.ofSeconds(60);
    /** The chunk of the throughput rows. */
    int CHUNK = 64 * 1024;
    /** The payload of the frame and round-trip rows. */
    int SMALL = 64;
    /** The largest frame the length-prefixed framings of every side take: Interflux's and Netty's alike. */
    int MAX_FRAME = 64 * 1024;

    /** What one group measures, and so what its connections carry. */
    enum Work {
        /** 64 KiB chunks as fast as they go, raw bytes: the receiver counts bytes. */
        CHUNKS,
        /** 64-byte length-prefixed frames as fast as they go: the receiver makes one byte[] of each. */
        FRAMES,
        /** 64-byte length-prefixed frames, ping-pong: the peer echoes each. */
        ECHO;

        /** The payload size of this work. */
        int size() {
            return this == CHUNKS ? CHUNK : SMALL;
        }
    }

    /** Where the peer connects: {@code unix:/tmp/ifx-bench-socket-42/jdk.sock} or {@code tcp:40123} (on 127.0.0.1). */
    final class Address {
        final Path path;
        final int port;

        private Address(Path path, int port) {
            this.path = path;
            this.port = port;
        }

        static Address unix(Path path) {
            return new Address(path, -1);
        }

        static Address tcp(int port) {
            return new Address(null, port);
        }

        static Address parse(String s) {
            if (s.startsWith("unix:")) {
                return unix(Path.of(s.substring("unix:".length())));
            }
            if (s.startsWith("tcp:")) {
                return tcp(Integer.parseInt(s.substring("tcp:".length())));
            }
            throw new IllegalArgumentException("unix:PATH or tcp:PORT required but it was " + s);
        }

        boolean unix() {
            return path != null;
        }

        /** The address as the JDK's channels take it. */
        SocketAddress jdk() {
            return unix() ? UnixDomainSocketAddress.of(path) : new InetSocketAddress("127.0.0.1", port);
        }

        @Override
        public String toString() {
            return unix() ? "unix:" + path : "tcp:" + port;
        }
    }

    /** What one connection delivered: chunks' bytes or frames, and the nanoseconds from its accept to its end. */
    final class Received {
        final long amount;
        final long nanos;

        Received(long amount, long nanos) {
            this.amount = amount;
            this.nanos = nanos;
        }

        double perSecond() {
            return amount / (nanos / 1e9);
        }
    }

    /** Where the peer is to connect. */
    Address address();

    /**
     * Says how much the next connection carries: bytes of chunks ({@link Work#CHUNKS}) or frames
     * ({@link Work#FRAMES}). Called before the peer is told to connect.
     */
    void expect(long amount);

    /**
     * Waits for the next connection, receives what {@link #expect} said it carries, closes it,
     * and says how much arrived in how long. The receiving ends count to the amount rather than
     * wait for the end of the stream: a reactor-netty server cancels the handler's publisher
     * when the peer closes, before its inbound completes, so a count taken at the end would
     * never arrive.
     */
    Received receive() throws Exception;

    /**
     * Waits for the next connection, whose peer echoes, and times {@code count} round trips of a
     * 64-byte frame over it, in nanoseconds ({@link Work#ECHO}); closes it after.
     */
    long[] roundTrips(int count) throws Exception;

    /** Stops listening; a Unix socket's file is gone after. */
    @Override
    void close() throws Exception;
}
