package io.interflux.benchmarks;

import io.interflux.internal.Errno;
import io.interflux.internal.Native;
import io.interflux.mqueue.internal.QueueCalls;
import io.interflux.mqueue.internal.QueueLib;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The child JVM of the queue benchmarks, written as a plain blocking C-style program would be:
 * one thread answers control messages by producing that many 64-byte data messages, another
 * echoes each ping as a pong. Every call blocks in the kernel.
 *
 * <pre>{@code
 * java -cp interflux-benchmarks.jar io.interflux.benchmarks.MqueuePeer posix /ifx-bench-42
 * java -cp interflux-benchmarks.jar io.interflux.benchmarks.MqueuePeer sysv 32768
 * }</pre>
 *
 * POSIX uses four queues named {@code <base>-ctl}, {@code -data}, {@code -ping}, {@code -pong};
 * System V one queue with message types {@link #CTL}, {@link #DATA}, {@link #PING}, {@link #PONG}.
 * A control message holding 0 ends the peer.
 */
public final class MqueuePeer {

    static final long CTL = 1, DATA = 2, PING = 3, PONG = 4;
    static final int PAYLOAD = 64;

    private MqueuePeer() {
    }

    /** Blocking calls on one kind of queue, used by this peer and by the benchmark's baseline. */
    interface Channel {
        /** Sends {@code length} payload bytes of {@code message} (at {@code address}) as {@code kind}. */
        void send(long kind, ByteBuffer message, long address, int length);

        /** Receives one message of {@code kind} into {@code buffer} (at {@code address}); its payload length. */
        int receive(long kind, ByteBuffer buffer, long address);
    }

    /** Blocking POSIX queue descriptors, one per kind. */
    static final class PosixChannel implements Channel {
        private final int[] fds = new int[5];

        PosixChannel(String base) {
            QueueLib lib = QueueCalls.lib();
            String[] suffix = {null, "-ctl", "-data", "-ping", "-pong"};
            for (int k = 1; k <= 4; k++) {
                fds[k] = lib.mq_open(base + suffix[k], Native.O_RDWR | Native.O_CLOEXEC, 0, 0);
                if (fds[k] < 0) {
                    throw new IllegalStateException("mq_open " + base + suffix[k] + ": " + Native.describe(Native.errno()));
                }
            }
        }

        @Override
        public void send(long kind, ByteBuffer message, long address, int length) {
            while (QueueCalls.lib().mq_send(fds[(int) kind], address, length, 0) < 0) {
                check("mq_send");
            }
        }

        @Override
        public int receive(long kind, ByteBuffer buffer, long address) {
            long n;
            while ((n = QueueCalls.lib().mq_receive(fds[(int) kind], address, buffer.capacity(), 0)) < 0) {
                check("mq_receive");
            }
            return (int) n;
        }

        void close() {
            for (int k = 1; k <= 4; k++) {
                QueueCalls.lib().mq_close(fds[k]);
            }
        }
    }

    /** One blocking System V queue; the kind is the message type, stored in the buffer's first long. */
    static final class SysVChannel implements Channel {
        private final int id;

        SysVChannel(int id) {
            this.id = id;
        }

        @Override
        public void send(long kind, ByteBuffer message, long address, int length) {
            message.putLong(0, kind);
            while (QueueCalls.lib().msgsnd(id, address, length, 0) < 0) {
                check("msgsnd");
            }
        }

        @Override
        public int receive(long kind, ByteBuffer buffer, long address) {
            long n;
            while ((n = QueueCalls.lib().msgrcv(id, address, buffer.capacity() - 8, kind, 0)) < 0) {
                check("msgrcv");
            }
            return (int) n;
        }
    }

    private static void check(String call) {
        int errno = Native.errno();
        if (errno != Errno.EINTR) {
            throw new IllegalStateException(call + " failed: " + Native.describe(errno));
        }
    }

    public static void main(String[] args) throws Exception {
        boolean posix = args[0].equals("posix");
        Channel channel = posix ? new PosixChannel(args[1]) : new SysVChannel(Integer.parseInt(args[1]));
        int offset = posix ? 0 : 8; // System V messages start with their long type
        Thread echo = new Thread(() -> {
            ByteBuffer b = ByteBuffer.allocateDirect(8192 + 8).order(ByteOrder.nativeOrder());
            long a = Native.address(b);
            for (;;) {
                int n = channel.receive(PING, b, a);
                channel.send(PONG, b, a, n);
            }
        }, "echo");
        echo.setDaemon(true);
        echo.start();
        ByteBuffer ctl = ByteBuffer.allocateDirect(8192 + 8).order(ByteOrder.nativeOrder());
        ByteBuffer data = ByteBuffer.allocateDirect(PAYLOAD + 8).order(ByteOrder.nativeOrder());
        for (int i = 0; i < PAYLOAD; i++) {
            data.put(offset + i, (byte) i);
        }
        long ctlAddress = Native.address(ctl);
        long dataAddress = Native.address(data);
        for (;;) {
            channel.receive(CTL, ctl, ctlAddress);
            int count = ctl.getInt(offset);
            if (count == 0) {
                return;
            }
            for (int i = 0; i < count; i++) {
                channel.send(DATA, data, dataAddress, PAYLOAD);
            }
        }
    }
}
