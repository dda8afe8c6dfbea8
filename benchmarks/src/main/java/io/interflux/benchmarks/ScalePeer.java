package io.interflux.benchmarks;

import io.interflux.internal.Errno;
import io.interflux.internal.Native;
import io.interflux.mqueue.internal.QueueCalls;
import io.interflux.mqueue.internal.QueueLib;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The far side of the {@code scale} benchmark's queues and Unix sockets: one process, started by
 * {@link ScaleBenchmark} before the measured {@link ScaleRun}, the same whichever implementation
 * that JVM measures, and not measured itself. It says {@code ready} once its queues or socket
 * exist, and ends at the end of its stdin (removing them) or with its parent.
 *
 * <pre>
 *  posix-mq BASE N MESSAGES   creates BASE-ping and BASE-0 .. BASE-(N-1); echoes each ping into the queue it
 *                             names; on 's' sends MESSAGES 64-byte messages into each queue, a blocking thread per queue
 *  unix PATH BYTES            listens at PATH; one selector thread echoes each 64-byte ping, and on 's'
 *                             writes BYTES of zeros to that connection and closes it
 * </pre>
 */
public final class ScalePeer {

    private ScalePeer() {
    }

    public static void main(String[] args) throws Exception {
        List<Runnable> cleanup = new ArrayList<>();
        Thread ender = new Thread(() -> {
            try {
                InputStream in = System.in;
                while (in.read() >= 0) {
                    // commands are not used: the end of stdin is the one that matters
                }
            } catch (IOException ignored) {
                // the parent is gone
            }
            synchronized (cleanup) {
                cleanup.forEach(Runnable::run);
            }
            Runtime.getRuntime().halt(0);
        }, "stdin");
        ender.setDaemon(true);
        ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> {
            synchronized (cleanup) {
                cleanup.forEach(Runnable::run);
            }
            Runtime.getRuntime().halt(3);
        }));
        try {
            switch (args[0]) {
                case "posix-mq":
                    queues(args[1], Integer.parseInt(args[2]), Long.parseLong(args[3]), cleanup, ender);
                    break;
                case "unix":
                    sockets(Path.of(args[1]), Long.parseLong(args[2]), cleanup, ender);
                    break;
                default:
                    throw new IllegalArgumentException("posix-mq or unix required but it was " + args[0]);
            }
        } catch (Throwable t) {
            System.out.println("error: " + t);
            System.out.flush();
            synchronized (cleanup) {
                cleanup.forEach(Runnable::run);
            }
            Runtime.getRuntime().halt(1);
        }
    }

    private static void queues(String base, int n, long messages, List<Runnable> cleanup, Thread ender) {
        QueueLib lib = QueueCalls.lib();
        ByteBuffer attr = ByteBuffer.allocateDirect(QueueCalls.MQ_ATTR_SIZE).order(ByteOrder.nativeOrder());
        attr.putLong(QueueCalls.MQ_ATTR_MAXMSG, ScaleQueues.DEPTH);
        attr.putLong(QueueCalls.MQ_ATTR_MSGSIZE, ScaleMeter.MESSAGE);
        int ping = create(lib, ScaleQueues.pingQueue(base), Native.O_RDONLY, attr, cleanup);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = create(lib, ScaleQueues.queue(base, i), Native.O_WRONLY, attr, cleanup);
        }
        CountDownLatch go = new CountDownLatch(1);
        for (int i = 0; i < n; i++) {
            int fd = out[i];
            Thread sender = new Thread(() -> {
                ByteBuffer m = ByteBuffer.allocateDirect(ScaleMeter.MESSAGE);
                long address = Native.address(m);
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (long k = 0; k < messages; k++) {
                    send(lib, fd, address);
                }
            }, "send-" + i);
            sender.setDaemon(true);
            sender.start();
        }
        ender.start();
        System.out.println("ready");
        System.out.flush();
        ByteBuffer m = ByteBuffer.allocateDirect(ScaleMeter.MESSAGE);
        long address = Native.address(m);
        byte[] message = new byte[ScaleMeter.MESSAGE];
        for (;;) {
            long r = lib.mq_receive(ping, address, ScaleMeter.MESSAGE, 0);
            if (r < 0) {
                check("mq_receive");
                continue;
            }
            m.get(0, message);
            if (message[0] == 's') {
                go.countDown();
            } else {
                send(lib, out[ScaleWorkload.stream(message, 0)], address);
            }
        }
    }

    private static int create(QueueLib lib, String name, int access, ByteBuffer attr, List<Runnable> cleanup) {
        int fd = lib.mq_open(name, access | Native.O_CREAT | Native.O_EXCL | Native.O_CLOEXEC, 0600, Native.address(attr));
        if (fd < 0) {
            throw new IllegalStateException("mq_open(" + name + ", O_CREAT|O_EXCL) failed: " + Native.describe(Native.errno()));
        }
        synchronized (cleanup) {
            cleanup.add(() -> lib.mq_unlink(name));
        }
        return fd;
    }

    private static void send(QueueLib lib, int fd, long address) {
        while (lib.mq_send(fd, address, ScaleMeter.MESSAGE, 0) < 0) {
            check("mq_send");
        }
    }

    private static void check(String call) {
        int errno = Native.errno();
        if (errno != Errno.EINTR) {
            throw new IllegalStateException(call + " failed: " + Native.describe(errno));
        }
    }

    /** One connection's state: the 64-byte message being read, and what is left to stream. */
    private static final class Peer {
        final ByteBuffer in = ByteBuffer.allocate(ScaleMeter.MESSAGE);
        ByteBuffer pending;
        long left = -1;
    }

    private static void sockets(Path path, long bytes, List<Runnable> cleanup, Thread ender) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path), 4096);
        synchronized (cleanup) {
            cleanup.add(() -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException ignored) {
                    // the benchmark removes its directory anyway
                }
            });
        }
        server.configureBlocking(false);
        Selector selector = Selector.open();
        server.register(selector, SelectionKey.OP_ACCEPT);
        ByteBuffer zeros = ByteBuffer.allocateDirect(64 * 1024);
        ender.start();
        System.out.println("ready");
        System.out.flush();
        for (;;) {
            selector.select();
            for (SelectionKey key : selector.selectedKeys()) {
                if (!key.isValid()) {
                    continue;
                }
                if (key.isAcceptable()) {
                    for (SocketChannel c; (c = server.accept()) != null; ) {
                        c.configureBlocking(false);
                        c.register(selector, SelectionKey.OP_READ, new Peer());
                    }
                    continue;
                }
                SocketChannel c = (SocketChannel) key.channel();
                Peer p = (Peer) key.attachment();
                try {
                    if (key.isReadable() && read(c, p, bytes) < 0) {
                        c.close();
                        continue;
                    }
                    if (write(c, p, zeros)) {
                        c.close();
                        continue;
                    }
                    key.interestOps(p.pending != null || p.left > 0 ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
                } catch (IOException e) {
                    c.close(); // the measured side went away
                }
            }
            selector.selectedKeys().clear();
        }
    }

    /** Reads what has come of the next message; -1 at the end of stream. */
    private static int read(SocketChannel c, Peer p, long bytes) throws IOException {
        int r = c.read(p.in);
        if (r < 0) {
            return -1;
        }
        if (!p.in.hasRemaining()) {
            p.in.flip();
            if (p.in.get(0) == 's') {
                p.left = bytes;
            } else {
                p.pending = ByteBuffer.allocate(ScaleMeter.MESSAGE).put(p.in).flip();
            }
            p.in.clear();
        }
        return r;
    }

    /** Writes the pending pong, then what is left to stream; true once the stream is all written. */
    private static boolean write(SocketChannel c, Peer p, ByteBuffer zeros) throws IOException {
        if (p.pending != null) {
            c.write(p.pending);
            if (p.pending.hasRemaining()) {
                return false;
            }
            p.pending = null;
        }
        while (p.left > 0) {
            ByteBuffer chunk = zeros.duplicate();
            chunk.limit((int) Math.min(chunk.capacity(), p.left));
            int w = c.write(chunk);
            if (w == 0) {
                return false;
            }
            p.left -= w;
        }
        return p.left == 0;
    }
}
