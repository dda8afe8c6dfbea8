package io.interflux.benchmarks;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Both ends of the blocking baseline ({@code jdk-blocking}): a {@link SocketChannel} in blocking
 * mode, one thread per end (this JVM's main thread, the peer's command thread), on a
 * {@link java.net.UnixDomainSocketAddress} or a loopback {@link java.net.InetSocketAddress},
 * {@code TCP_NODELAY} on as reactor-netty sets it. Chunks go out and come in through one reused
 * direct buffer of 64 KiB. Frames are written into a 64 KiB buffer, written when full (as a
 * {@code BufferedOutputStream} would), and read 64 KiB at a time, each frame copied into a byte[]
 * of its own, as the reactive sides deliver them. Ping-pong frames are read whole into a reused
 * buffer and written back.
 */
final class JdkSocket implements SocketEnd {

    private final ServerSocketChannel server;
    private final SocketEnd.Work work;
    private final SocketEnd.Address address;
    private volatile long expected;

    private JdkSocket(SocketEnd.Work work, Path unix) throws IOException {
        this.work = work;
        if (unix != null) {
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(java.net.UnixDomainSocketAddress.of(unix));
            address = SocketEnd.Address.unix(unix);
        } else {
            server = ServerSocketChannel.open(StandardProtocolFamily.INET);
            server.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            address = SocketEnd.Address.tcp(((java.net.InetSocketAddress) server.getLocalAddress()).getPort());
        }
    }

    /** The measuring end: a server for {@code work}, at {@code unix} or, when null, on a loopback port. */
    static SocketEnd listen(SocketEnd.Work work, Path unix) throws IOException {
        return new JdkSocket(work, unix);
    }

    @Override
    public SocketEnd.Address address() {
        return address;
    }

    private SocketChannel accept() throws IOException {
        SocketChannel ch = server.accept();
        if (!address.unix()) {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
        return ch;
    }

    @Override
    public void expect(long amount) {
        expected = amount;
    }

    @Override
    public Received receive() throws IOException {
        try (SocketChannel ch = accept()) {
            long t0 = System.nanoTime();
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
            long amount = 0;
            long want = expected;
            if (work == SocketEnd.Work.CHUNKS) {
                for (int n; amount < want && (n = ch.read(buf)) >= 0; buf.clear()) {
                    amount += n;
                }
            } else {
                while (amount < want && ch.read(buf) >= 0) {
                    buf.flip();
                    while (buf.remaining() >= 4) {
                        int n = checked(buf.getInt(buf.position()));
                        if (buf.remaining() < 4 + n) {
                            break;
                        }
                        byte[] frame = new byte[n];
                        buf.position(buf.position() + 4).get(frame);
                        amount++;
                    }
                    buf.compact();
                }
            }
            return new Received(amount, System.nanoTime() - t0);
        }
    }

    /** A frame's length as its prefix gives it, refused past the limit the other sides set. */
    private static int checked(int n) throws IOException {
        if (n < 0 || n > MAX_FRAME) {
            throw new IOException("frame of " + (n & 0xFFFF_FFFFL) + " bytes, more than " + MAX_FRAME);
        }
        return n;
    }

    @Override
    public long[] roundTrips(int count) throws IOException {
        try (SocketChannel ch = accept()) {
            ByteBuffer ping = ByteBuffer.allocateDirect(4 + SMALL);
            ping.putInt(SMALL).put(new byte[SMALL]).flip();
            ByteBuffer pong = ByteBuffer.allocateDirect(4 + MAX_FRAME);
            long[] rtt = new long[count];
            for (int i = 0; i < count; i++) {
                long t0 = System.nanoTime();
                writeFully(ch, ping.rewind());
                if (!readFrame(ch, pong)) {
                    throw new EOFException("the echo closed after " + i + " of " + count + " round trips");
                }
                rtt[i] = System.nanoTime() - t0;
            }
            return rtt;
        }
    }

    /**
     * Reads one length-prefixed frame into {@code buf}, flipped: false when the stream ends before
     * it. One frame is in flight in a ping-pong, so nothing follows it in the buffer.
     */
    private static boolean readFrame(SocketChannel ch, ByteBuffer buf) throws IOException {
        buf.clear();
        while (buf.position() < 4 || buf.position() < 4 + checked(buf.getInt(0))) {
            if (ch.read(buf) < 0) {
                if (buf.position() == 0) {
                    return false;
                }
                throw new EOFException("the stream ended inside a frame");
            }
        }
        buf.flip();
        return true;
    }

    private static void writeFully(SocketChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        if (address.unix()) {
            Files.deleteIfExists(address.path); // the JDK leaves a Unix socket's file behind
        }
    }

    private static SocketChannel connect(SocketEnd.Address to) throws IOException {
        SocketChannel ch = SocketChannel.open(to.jdk());
        if (!to.unix()) {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
        return ch;
    }

    /** The peer's side: connects, sends {@code count} payloads of the work's size as fast as they go, closes. */
    static void send(SocketEnd.Address to, SocketEnd.Work work, int count) throws IOException {
        try (SocketChannel ch = connect(to)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
            if (work == SocketEnd.Work.CHUNKS) {
                for (int i = 0; i < count; i++) {
                    writeFully(ch, buf.clear());
                }
                return;
            }
            byte[] frame = new byte[work.size()];
            for (int i = 0; i < count; i++) {
                if (buf.remaining() < 4 + frame.length) {
                    writeFully(ch, buf.flip());
                    buf.clear();
                }
                buf.putInt(frame.length).put(frame);
            }
            writeFully(ch, buf.flip());
        }
    }

    /** The peer's side of a ping-pong: sends back every frame until the other end closes. */
    static void echo(SocketEnd.Address to) throws IOException {
        try (SocketChannel ch = connect(to)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(4 + MAX_FRAME);
            while (readFrame(ch, buf)) {
                writeFully(ch, buf);
            }
        }
    }
}
