package io.interflux.socket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The process between the conformance suite's Interflux client and Interflux server, as
 * {@code cat} is between a pipe's two ends: it accepts one connection, connects to the target and
 * copies bytes both ways. Killing it with {@code SIGKILL} is the suite's peer death: the kernel
 * closes both of its sockets and the server's connection reaches its end.
 *
 * <pre>
 * java SocketRelay tcp HOST TARGET_PORT          prints "listening PORT"
 * java SocketRelay unix LISTEN_PATH TARGET_PATH  prints "listening LISTEN_PATH"
 * </pre>
 *
 * <p>Plain JDK and blocking channels, so it starts in a fraction of a second and holds a known
 * number of bytes: its socket buffers are set to {@link #BUFFER} (the kernel doubles them for its
 * bookkeeping) and it copies through one buffer of that size per direction.
 */
final class SocketRelay {

    /** The relay's copy buffer, and what it asks for as SO_RCVBUF and SO_SNDBUF. */
    static final int BUFFER = 64 * 1024;

    private SocketRelay() {
    }

    public static void main(String[] args) throws Exception {
        // never outlive the test JVM, even one killed before the relay's connection came
        ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> System.exit(4)));
        ServerSocketChannel listener;
        SocketAddress target;
        String listening;
        switch (args[0]) {
            case "tcp":
                listener = ServerSocketChannel.open(StandardProtocolFamily.INET);
                // set before listen(2): accepted sockets inherit it, and a fixed size turns off autotuning
                listener.setOption(StandardSocketOptions.SO_RCVBUF, BUFFER);
                listener.bind(new InetSocketAddress(args[1], 0));
                target = new InetSocketAddress(args[1], Integer.parseInt(args[2]));
                listening = Integer.toString(((InetSocketAddress) listener.getLocalAddress()).getPort());
                break;
            case "unix":
                listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                listener.bind(UnixDomainSocketAddress.of(args[1]));
                target = UnixDomainSocketAddress.of(args[2]);
                listening = args[1];
                break;
            default:
                throw new IllegalArgumentException("tcp or unix, not " + args[0]);
        }
        System.out.println("listening " + listening);
        System.out.flush();
        SocketChannel client = listener.accept();
        listener.close();
        SocketChannel server = SocketChannel.open(target instanceof InetSocketAddress
                ? StandardProtocolFamily.INET : StandardProtocolFamily.UNIX);
        server.setOption(StandardSocketOptions.SO_SNDBUF, BUFFER);
        server.setOption(StandardSocketOptions.SO_RCVBUF, BUFFER);
        client.setOption(StandardSocketOptions.SO_SNDBUF, BUFFER);
        server.connect(target);
        Thread back = new Thread(() -> copy(server, client), "server-to-client");
        back.start();
        copy(client, server);
        back.join();
        System.exit(0);
    }

    /** Copies {@code from} to {@code to} until end of stream, then ends {@code to}'s output; quietly on a reset. */
    private static void copy(SocketChannel from, SocketChannel to) {
        ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
        try {
            while (from.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    to.write(buffer);
                }
                buffer.clear();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            // a side went away: the process exit closes the other
            System.err.println("relay " + Thread.currentThread().getName() + ": " + e);
            System.exit(3);
        }
    }
}
