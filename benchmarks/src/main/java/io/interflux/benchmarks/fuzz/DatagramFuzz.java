package io.interflux.benchmarks.fuzz;

import io.interflux.socket.Datagram;
import io.interflux.socket.DatagramSocket;
import io.interflux.socket.DatagramSpec;
import io.interflux.socket.Datagrams;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Datagrams of every size around a receiver's limit (empty, 1 byte, the limit and one past it,
 * twice it, random contents), sent to a Unix datagram socket by an Interflux sender whose own
 * limit is larger, and to a UDP socket on loopback by the JDK's {@link DatagramChannel}. The
 * receiver must deliver each datagram up to its limit whole and in order (an empty one too), and
 * refuse (count, not deliver) each larger one, its stream going on; no other outcome, no error on
 * the stream. The Interflux sender must refuse an empty datagram, which its transport would drop. Sent in
 * batches below the kernel's Unix datagram queue, each batch waited for, so loopback never drops one.
 */
public final class DatagramFuzz {

    private static final Duration WAIT = Duration.ofSeconds(10);
    /** Below /proc/sys/net/unix/max_dgram_qlen (10 by default). */
    private static final int BATCH = 8;

    private DatagramFuzz() {
    }

    public static FuzzReport run(long seed, long first, long count) {
        FuzzReport report = new FuzzReport("datagram");
        long half = count / 2;
        Path dir;
        try {
            dir = Files.createTempDirectory("ifx-fuzz-dgram");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try {
            int unixMax = 1 + new Random(seed).nextInt(2048);
            DatagramSocket unixSender = Datagrams.unix(dir.resolve("sender")).maxSize(1 << 20).bindNow(WAIT);
            try {
                try {
                    unixSender.send(Flux.just(Datagram.of(new byte[0], Datagrams.address(dir.resolve("sender"))))).block(WAIT);
                    report.fail(seed, first, "an empty datagram was sent, which the transport drops");
                } catch (IllegalArgumentException expected) {
                    // refused, as documented
                }
                pair(report, seed, first, half, "unix", Datagrams.unix(dir.resolve("receiver")).maxSize(unixMax),
                        (batch, to) -> unixSender.send(Flux.fromIterable(batch).map(p -> Datagram.of(p, to))).block(WAIT));
            } finally {
                unixSender.dispose();
                unixSender.onDispose().block(WAIT);
            }
            int udpMax = 1 + new Random(seed + 1).nextInt(1500);
            try (DatagramChannel jdk = DatagramChannel.open()) {
                jdk.bind(new InetSocketAddress("127.0.0.1", 0));
                pair(report, seed, first + half, count - half, "udp", Datagrams.udp("127.0.0.1", 0).maxSize(udpMax),
                        (batch, to) -> {
                            for (byte[] p : batch) {
                                try {
                                    jdk.send(ByteBuffer.wrap(p), to);
                                } catch (java.io.IOException e) {
                                    throw new java.io.UncheckedIOException(e);
                                }
                            }
                        });
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        } finally {
            try {
                Files.deleteIfExists(dir);
            } catch (java.io.IOException ignored) {
                // the sockets remove their files; an empty temporary directory is harmless
            }
        }
        return report;
    }

    /** Sends a batch of payloads to an address, and returns once they are handed to the kernel. */
    @FunctionalInterface
    private interface Sender {
        void send(List<byte[]> batch, SocketAddress to);
    }

    private static void pair(FuzzReport report, long seed, long first, long count, String kind,
                             DatagramSpec receiverSpec, Sender sender) {
        DatagramSocket receiver = receiverSpec.bindNow(WAIT);
        Disposable receiving = null;
        try {
            SocketAddress to = receiver.address();
            int max = receiver.maxSize();
            ConcurrentLinkedQueue<byte[]> got = new ConcurrentLinkedQueue<>();
            AtomicReference<Throwable> failed = new AtomicReference<>();
            receiving = receiver.receive().subscribe(d -> got.add(d.payload()), failed::set);
            long refusedBefore = receiver.refusedDatagrams();
            for (long i = first; i < first + count; i += BATCH) {
                List<byte[]> batch = new ArrayList<>();
                List<byte[]> expected = new ArrayList<>();
                long refused = 0;
                for (long k = i; k < Math.min(first + count, i + BATCH); k++) {
                    Random r = new Random(seed * 1_000_003L + k);
                    byte[] payload = Streams.random(r, Streams.boundarySize(r, max));
                    batch.add(payload);
                    if (payload.length == 0 && kind.equals("unix")) {
                        payload = new byte[] {42}; // Interflux refuses to send an empty one: run() checks that once
                    }
                    batch.set(batch.size() - 1, payload);
                    if (payload.length <= max) {
                        expected.add(payload);
                    } else {
                        refused++;
                    }
                }
                sender.send(batch, to);
                long deadline = System.nanoTime() + WAIT.toNanos();
                long wantRefused = refusedBefore + refused;
                while ((got.size() < expected.size() || receiver.refusedDatagrams() < wantRefused)
                        && failed.get() == null && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                List<byte[]> delivered = new ArrayList<>(got);
                got.clear();
                String end = failed.get() != null ? "error " + failed.get()
                        : receiver.refusedDatagrams() != wantRefused ? "refused " + (receiver.refusedDatagrams() - refusedBefore) + " of " + refused
                        : "ok";
                boolean same = delivered.size() == expected.size();
                for (int k = 0; same && k < expected.size(); k++) {
                    same = Arrays.equals(delivered.get(k), expected.get(k));
                }
                refusedBefore = receiver.refusedDatagrams();
                for (byte[] b : batch) {
                    report.count(b.length <= max ? 1 : 0, kind + (b.length <= max ? " delivered" : " refused"));
                }
                if (!same || !end.equals("ok")) {
                    report.fail(seed, i, kind + " limit " + max + ", sizes " + sizes(batch) + ": delivered " + sizes(delivered)
                            + ", " + end);
                    if (failed.get() != null) {
                        return;
                    }
                }
            }
        } finally {
            if (receiving != null) {
                receiving.dispose();
            }
            receiver.dispose();
            receiver.onDispose().block(WAIT);
        }
    }

    private static String sizes(List<byte[]> list) {
        StringBuilder sb = new StringBuilder("[");
        for (byte[] b : list) {
            sb.append(sb.length() > 1 ? " " : "").append(b.length);
        }
        return sb.append(']').toString();
    }
}
