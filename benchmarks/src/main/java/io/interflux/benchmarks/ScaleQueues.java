package io.interflux.benchmarks;

import io.interflux.Access;
import io.interflux.Codec;
import io.interflux.Creation;
import io.interflux.Emitter;
import io.interflux.internal.Errno;
import io.interflux.internal.Native;
import io.interflux.mqueue.PosixMessage;
import io.interflux.mqueue.PosixQueue;
import io.interflux.mqueue.internal.QueueCalls;
import reactor.core.Disposable;
import reactor.core.publisher.Sinks;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code scale-posix-mq}: N POSIX queues {@code <base>-<i>} received by this JVM, fed by one
 * {@link ScalePeer} process, which created them: it takes this JVM's pings from one more queue,
 * {@code <base>-ping}, and echoes each into the queue of the stream it names; told to stream (an
 * {@code 's'} message there), it sends every queue its share from a thread per queue. Queues
 * hold at most 10 messages of 64 bytes, the kernel's default ceiling ({@code msg_max}).
 *
 * <ul>
 *   <li>{@code interflux-default}: {@link PosixQueue#receive(Codec)} with {@link Codec#bytes()},
 *       a {@code byte[]} per message; pings through the ping queue's {@link PosixQueue#emitter()};</li>
 *   <li>{@code interflux-in-place}: there is no in-place decode for queues, so the fastest
 *       documented path stands in: {@link PosixQueue#receive()}, reading each message's
 *       {@code size()} (one copy, the library's own, instead of two);</li>
 *   <li>{@code jdk-thread-per-queue}: the JDK has no message queues, so a thread per queue blocks
 *       in {@code mq_receive} through jnr-ffi (the binding Interflux itself uses, {@link QueueCalls}),
 *       as a C program would; pings through a blocking {@code mq_send}.</li>
 * </ul>
 */
final class ScaleQueues {

    static final Duration LIMIT = Duration.ofSeconds(60);
    /** Messages a queue holds: the default {@code /proc/sys/fs/mqueue/msg_max}. */
    static final int DEPTH = 10;

    private ScaleQueues() {
    }

    static ScaleStreams create(String impl, ScaleWorkload workload, String base) {
        switch (impl) {
            case "interflux-default":
                return new Interflux(base, workload.streams, false);
            case "interflux-in-place":
                return new Interflux(base, workload.streams, true);
            case "jdk-thread-per-queue":
                return new Blocking(base, workload.streams);
            default:
                throw new IllegalArgumentException("unknown posix-mq implementation " + impl);
        }
    }

    static String queue(String base, int i) {
        return base + "-" + i;
    }

    static String pingQueue(String base) {
        return base + "-ping";
    }

    /** Interflux {@link PosixQueue}s on the shared event loop. */
    static final class Interflux implements ScaleStreams {
        private final String base;
        private final boolean fast;
        private final PosixQueue[] queues;
        private final Disposable[] reading;
        private PosixQueue pingQueue;
        private Emitter<PosixMessage> pings;

        Interflux(String base, int n, boolean fast) {
            this.base = base;
            this.fast = fast;
            this.queues = new PosixQueue[n];
            this.reading = new Disposable[n];
        }

        @Override
        public void open(ScaleMeter meter) {
            pingQueue = PosixQueue.named(pingQueue(base)).creation(Creation.OPEN_EXISTING).access(Access.SEND).openNow(LIMIT);
            pings = pingQueue.emitter();
            for (int i = 0; i < queues.length; i++) {
                int s = i;
                PosixQueue q = PosixQueue.named(queue(base, i)).creation(Creation.OPEN_EXISTING).access(Access.RECEIVE)
                        .openNow(LIMIT);
                queues[i] = q;
                reading[i] = fast
                        ? q.receive().subscribe(m -> meter.received(s, m.size()), e -> meter.failed(s, e), () -> { })
                        : q.receive(Codec.bytes()).subscribe(b -> meter.received(s, b.length), e -> meter.failed(s, e), () -> { });
            }
        }

        @Override
        public boolean ping(int i, byte[] message) {
            Sinks.EmitResult r = pings.tryEmitNext(PosixMessage.of(message));
            if (r == Sinks.EmitResult.FAIL_OVERFLOW) {
                return false;
            }
            if (r.isFailure()) {
                throw new IllegalStateException("ping on " + pings.describe() + ": " + r);
            }
            return true;
        }

        @Override
        public void stream() {
            long deadline = System.nanoTime() + LIMIT.toNanos();
            while (!ping(0, ScaleWorkload.message('s', 0))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the ping queue stayed full for " + LIMIT);
                }
                LockSupport.parkNanos(100_000);
            }
        }

        @Override
        public void close() {
            for (int i = 0; i < queues.length; i++) {
                if (reading[i] != null) {
                    reading[i].dispose();
                }
                if (queues[i] != null) {
                    queues[i].dispose();
                }
            }
            if (pingQueue != null) {
                pingQueue.dispose();
            }
        }
    }

    /** A thread per queue in a blocking {@code mq_receive}; a blocking {@code mq_send} for pings. */
    static final class Blocking implements ScaleStreams {
        private final String base;
        private final int n;
        private int pingFd = -1;
        private ByteBuffer pingBuffer;
        private long pingAddress;

        Blocking(String base, int n) {
            this.base = base;
            this.n = n;
        }

        @Override
        public void open(ScaleMeter meter) {
            pingFd = open(pingQueue(base), Native.O_WRONLY);
            pingBuffer = ByteBuffer.allocateDirect(ScaleMeter.MESSAGE);
            pingAddress = Native.address(pingBuffer);
            for (int i = 0; i < n; i++) {
                int s = i;
                int fd = open(queue(base, i), Native.O_RDONLY);
                Thread reader = new Thread(() -> {
                    ByteBuffer buffer = ByteBuffer.allocateDirect(ScaleMeter.MESSAGE);
                    long address = Native.address(buffer);
                    try {
                        for (;;) {
                            long r = QueueCalls.lib().mq_receive(fd, address, ScaleMeter.MESSAGE, 0);
                            if (r >= 0) {
                                meter.received(s, (int) r);
                            } else if (Native.errno() != Errno.EINTR) {
                                throw new IllegalStateException("mq_receive " + queue(base, s) + ": " + Native.describe(Native.errno()));
                            }
                        }
                    } catch (RuntimeException e) {
                        meter.failed(s, e);
                    }
                }, "mq-" + i);
                reader.setDaemon(true); // blocked in mq_receive until the JVM exits
                reader.start();
            }
        }

        private static int open(String name, int access) {
            int fd = QueueCalls.lib().mq_open(name, access | Native.O_CLOEXEC, 0, 0);
            if (fd < 0) {
                throw new IllegalStateException("mq_open " + name + ": " + Native.describe(Native.errno()));
            }
            return fd;
        }

        @Override
        public boolean ping(int i, byte[] message) {
            pingBuffer.put(0, message);
            while (QueueCalls.lib().mq_send(pingFd, pingAddress, message.length, 0) < 0) {
                if (Native.errno() != Errno.EINTR) {
                    throw new IllegalStateException("mq_send " + pingQueue(base) + ": " + Native.describe(Native.errno()));
                }
            }
            return true;
        }

        @Override
        public void stream() {
            ping(0, ScaleWorkload.message('s', 0));
        }

        @Override
        public void close() {
            // the readers stay blocked in mq_receive: closing their descriptors under them would
            // not wake them, and the JVM exits next
            if (pingFd >= 0) {
                QueueCalls.lib().mq_close(pingFd);
            }
        }
    }
}
