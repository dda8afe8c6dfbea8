package io.interflux.benchmarks;

import io.interflux.socket.Datagram;
import io.interflux.socket.DatagramSocket;
import io.interflux.socket.Datagrams;
import reactor.core.publisher.Flux;
import reactor.netty.resources.LoopResources;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code udp} group of {@link SocketBenchmark}, in a JVM of its own: 64-byte datagrams on
 * loopback from a sender socket to a receiver socket in this JVM, Interflux
 * {@link DatagramSocket}s (a {@code receive()} with unbounded demand counting, a {@code send} of a
 * generated stream) against two blocking {@code DatagramChannel} loops, a thread per end
 * ({@code jdk-blocking}). UDP has no flow control and nothing is paced, so a receiver slower than
 * its sender loses datagrams in the kernel: each round measures the datagrams <em>received</em>
 * over a fixed window while the sender runs flat out, and logs the share of those sent in the
 * window that were lost. Interleaved round by round ({@link Interleaved#run}); the rate is the
 * median round. Prints {@code rows 1} and the row as {@link SocketGroup} does.
 */
public final class UdpGroup {

    static final int SIZE = 64;
    /** Sending before the window opens: the sender and receiver reach their steady state. */
    private static final long SETTLE_MS = 100;
    private static final int WARMUP_ROUNDS = 2;

    /** What one round measured: datagrams received per second over the window, and the share lost. */
    static final class Round {
        final double perSecond;
        final double lossPercent;

        Round(double perSecond, double lossPercent) {
            this.perSecond = perSecond;
            this.lossPercent = lossPercent;
        }
    }

    /** A sender and a receiver; {@link #round} runs the sender for the settle time and the window. */
    interface Pair extends AutoCloseable {
        AtomicLong received();

        /** Starts sending flat out; returns the running count of datagrams sent. */
        AtomicLong startSending();

        /** Stops the sender started last and waits for it. */
        void stopSending() throws Exception;
    }

    static Round round(Pair pair, double windowSeconds) throws Exception {
        AtomicLong sent = pair.startSending();
        try {
            Thread.sleep(SETTLE_MS);
            long r0 = pair.received().get();
            long s0 = sent.get();
            long t0 = System.nanoTime();
            Thread.sleep((long) (windowSeconds * 1000));
            long r1 = pair.received().get();
            long s1 = sent.get();
            double seconds = (System.nanoTime() - t0) / 1e9;
            long got = r1 - r0;
            long out = s1 - s0;
            return new Round(got / seconds, out == 0 ? 0 : Math.max(0, 100.0 * (out - got) / out));
        } finally {
            pair.stopSending();
            Thread.sleep(50); // what is in flight drains before the other side's round
        }
    }

    static final class InterfluxPair implements Pair {
        final DatagramSocket receiver = Datagrams.udp("127.0.0.1", 0).maxSize(SIZE).bindNow(Duration.ofSeconds(10));
        /**
         * The sender on an event loop of its own, as it would be in another process: a loopback UDP
         * send never stops on writability, so a sender sharing the receiver's loop keeps it from reading.
         */
        final LoopResources senderLoop = LoopResources.create("udp-bench-sender", 1, true);
        final DatagramSocket sender = Datagrams.udp("127.0.0.1", 0).maxSize(SIZE).runOn(senderLoop)
                .bindNow(Duration.ofSeconds(10));
        final AtomicLong received = new AtomicLong();
        final reactor.core.Disposable receiving = receiver.receive().subscribe(d -> received.incrementAndGet());
        final byte[] payload = PipeBenchmark.payload();
        volatile boolean stop;
        CompletableFuture<Void> sending;

        @Override
        public AtomicLong received() {
            return received;
        }

        @Override
        public AtomicLong startSending() {
            AtomicLong sent = new AtomicLong();
            SocketAddress to = receiver.address();
            stop = false;
            sending = sender.send(Flux.generate(sink -> {
                if (stop) {
                    sink.complete();
                } else {
                    sent.incrementAndGet();
                    sink.next(Datagram.of(payload, to));
                }
            })).toFuture();
            return sent;
        }

        @Override
        public void stopSending() throws Exception {
            stop = true;
            sending.get(10, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            receiving.dispose();
            receiver.dispose();
            sender.dispose();
            senderLoop.disposeLater().block(Duration.ofSeconds(10));
        }
    }

    static final class JdkPair implements Pair {
        final DatagramChannel receiver = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        final DatagramChannel sender = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        final AtomicLong received = new AtomicLong();
        final Thread reading;
        volatile boolean stop;
        Thread sending;

        JdkPair() throws IOException {
            sender.connect(receiver.getLocalAddress());
            reading = new Thread(() -> {
                ByteBuffer buffer = ByteBuffer.allocateDirect(SIZE + 1);
                try {
                    for (;;) {
                        buffer.clear();
                        receiver.receive(buffer);
                        buffer.flip();
                        buffer.get(new byte[buffer.remaining()]); // a byte[] per datagram, as Interflux hands out
                        received.incrementAndGet();
                    }
                } catch (ClosedChannelException closed) {
                    // the end of the group
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, "udp-jdk-receiver");
            reading.setDaemon(true);
            reading.start();
        }

        @Override
        public AtomicLong received() {
            return received;
        }

        @Override
        public AtomicLong startSending() {
            AtomicLong sent = new AtomicLong();
            stop = false;
            byte[] payload = PipeBenchmark.payload();
            sending = new Thread(() -> {
                ByteBuffer buffer = ByteBuffer.allocateDirect(SIZE);
                try {
                    while (!stop) {
                        buffer.clear();
                        buffer.put(payload).flip();
                        sender.write(buffer);
                        sent.incrementAndGet();
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, "udp-jdk-sender");
            sending.setDaemon(true);
            sending.start();
            return sent;
        }

        @Override
        public void stopSending() throws Exception {
            stop = true;
            sending.join(10_000);
        }

        @Override
        public void close() throws Exception {
            receiver.close();
            sender.close();
            reading.join(5_000);
        }
    }

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        // a fixed, short window: this row is reported only, and the whole group takes a few seconds
        double window = Math.min(0.5, Double.parseDouble(args[1]));
        try (InterfluxPair interflux = new InterfluxPair(); JdkPair jdk = new JdkPair()) {
            Interleaved.run(WARMUP_ROUNDS, () -> round(interflux, window), () -> round(jdk, window));
            Interleaved<Round> r = Interleaved.run(rounds, () -> round(interflux, window), () -> round(jdk, window));
            PipeBenchmark.log("udp 64B datagrams, %.1f s window: received msg/s per round: interflux %s, %s %s",
                    window, Samples.list(rates(r.interflux)), SocketGroup.JDK, Samples.list(rates(r.baseline)));
            PipeBenchmark.log("  loss %% per round: interflux %s, %s %s", Samples.list(losses(r.interflux)),
                    SocketGroup.JDK, Samples.list(losses(r.baseline)));
            PipeBenchmark.log("  median loss %%: interflux %.2f, %s %.2f", Samples.of(losses(r.interflux)).median(),
                    SocketGroup.JDK, Samples.of(losses(r.baseline)).median());
            System.out.println("rows 1");
            System.out.println(String.join(" ", "row", "udp", "64B", "messages_per_s",
                    Double.toString(Samples.of(rates(r.interflux)).median()),
                    Double.toString(Samples.of(rates(r.baseline)).median()), SocketGroup.JDK, "msg/s", "reported",
                    Double.toString(Double.NaN)));
        }
        System.exit(0);
    }

    private static List<Double> rates(List<Round> rounds) {
        List<Double> v = new ArrayList<>();
        rounds.forEach(x -> v.add(x.perSecond));
        return v;
    }

    private static List<Double> losses(List<Round> rounds) {
        List<Double> v = new ArrayList<>();
        rounds.forEach(x -> v.add(x.lossPercent));
        return v;
    }
}
