package io.interflux.benchmarks;

import io.interflux.internal.Native;
import io.interflux.Creation;
import io.interflux.mqueue.PosixMessage;
import io.interflux.mqueue.PosixQueue;
import io.interflux.mqueue.SysVMessage;
import io.interflux.mqueue.SysVQueue;
import io.interflux.mqueue.internal.QueueCalls;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * POSIX and System V message queues against a blocking Java loop over the same kernel calls,
 * with a {@link MqueuePeer} child JVM on the other side, interleaved round by round.
 *
 * <ul>
 *   <li>({@code posix-mq} and {@code sysv-mq}, {@code 64B}, {@code messages_per_s}): the peer
 *       sends n 64-byte messages as fast as its blocking {@code mq_send}/{@code msgsnd} allow;
 *       this JVM takes them with {@link PosixQueue#receive()} / {@link SysVQueue#receive(long)}
 *       against a blocking {@code mq_receive}/{@code msgrcv} loop. POSIX: at least 0.9x.</li>
 *   <li>({@code posix-mq} and {@code sysv-mq}, {@code 64B}, {@code rtt_p50_us}): ping-pong, each
 *       pong sending the next ping, Interflux send and receive against blocking send and receive.
 *       POSIX: at most 1.3x. System V is reported: its receive polls with backoff.</li>
 * </ul>
 */
public final class MqueueBenchmark implements MechanismBenchmark {

    static final Duration LIMIT = Duration.ofSeconds(60);
    static final int PAYLOAD = MqueuePeer.PAYLOAD;

    @Override
    public String name() {
        return "mqueue";
    }

    @Override
    public List<Target> run(BenchmarkConfig config) throws Exception {
        List<Target> targets = new ArrayList<>();
        try (Posix posix = new Posix()) {
            targets.addAll(measure("posix-mq", posix, config, 0.9, 1.3));
        }
        try (SysV sysv = new SysV()) {
            targets.addAll(measure("sysv-mq", sysv, config, Double.NaN, Double.NaN));
        }
        return targets;
    }

    /** One kind of queue with its peer: both sides of both measurements. */
    interface Setup extends AutoCloseable {
        MqueuePeer.Channel raw();

        /** Interflux: takes n data messages. */
        Mono<Long> receiveData(int n);

        /** Interflux: sends the pings of a round. */
        Mono<Void> sendPings(Flux<byte[]> pings);

        /** Interflux: the pongs. */
        Flux<byte[]> pongs();

        int offset();
    }

    private static List<Target> measure(String mechanism, Setup setup, BenchmarkConfig config,
                                        double minThroughput, double maxRtt) throws Exception {
        ByteBuffer ctl = ByteBuffer.allocateDirect(8 + 8).order(ByteOrder.nativeOrder());
        long ctlAddress = Native.address(ctl);
        ByteBuffer buf = ByteBuffer.allocateDirect(8192 + 8).order(ByteOrder.nativeOrder());
        long bufAddress = Native.address(buf);
        MqueuePeer.Channel raw = setup.raw();
        int offset = setup.offset();

        int[] n = {50_000};
        Interleaved.Side<Double> flux = () -> {
            long t0 = System.nanoTime();
            ctl.putInt(offset, n[0]);
            raw.send(MqueuePeer.CTL, ctl, ctlAddress, 4);
            long got = setup.receiveData(n[0]).block(LIMIT);
            if (got != n[0]) {
                throw new IllegalStateException("received " + got + " of " + n[0]);
            }
            return n[0] / ((System.nanoTime() - t0) / 1e9);
        };
        Interleaved.Side<Double> blocking = () -> {
            long t0 = System.nanoTime();
            ctl.putInt(offset, n[0]);
            raw.send(MqueuePeer.CTL, ctl, ctlAddress, 4);
            for (int i = 0; i < n[0]; i++) {
                int len = raw.receive(MqueuePeer.DATA, buf, bufAddress);
                if (len != PAYLOAD) {
                    throw new IllegalStateException("unexpected message of " + len + " bytes");
                }
            }
            return n[0] / ((System.nanoTime() - t0) / 1e9);
        };
        Interleaved<Double> warm = Interleaved.run(2, flux, blocking);
        double rate = Math.max(Samples.of(warm.interflux).median(), Samples.of(warm.baseline).median());
        n[0] = (int) Math.max(20_000, Math.min(5_000_000, rate * config.secondsPerRound));
        PipeBenchmark.log("%s 64B messages: %d per round", mechanism, n[0]);
        Interleaved<Double> r = Interleaved.run(config.rounds, flux, blocking);
        PipeBenchmark.log("  msg/s per round: interflux %s, baseline %s", Samples.list(r.interflux), Samples.list(r.baseline));
        Result throughput = new Result(mechanism, "64B", "messages_per_s", Samples.of(r.interflux).median(),
                Samples.of(r.baseline).median(), "jdk-blocking-loop", "msg/s");

        int[] trips = {5_000};
        Interleaved.Side<long[]> fluxPing = () -> pingPongInterflux(setup, trips[0]);
        Interleaved.Side<long[]> blockingPing = () -> {
            long[] rtt = new long[trips[0]];
            ByteBuffer ping = ByteBuffer.allocateDirect(PAYLOAD + 8).order(ByteOrder.nativeOrder());
            long pingAddress = Native.address(ping);
            for (int i = 0; i < rtt.length; i++) {
                long t0 = System.nanoTime();
                raw.send(MqueuePeer.PING, ping, pingAddress, PAYLOAD);
                raw.receive(MqueuePeer.PONG, buf, bufAddress);
                rtt[i] = System.nanoTime() - t0;
            }
            return rtt;
        };
        Interleaved<long[]> warmPing = Interleaved.run(2, fluxPing, blockingPing);
        double p50 = Math.min(Samples.microsFromNanos(warmPing.interflux).median(),
                Samples.microsFromNanos(warmPing.baseline).median());
        trips[0] = (int) Math.max(2_000, Math.min(200_000, config.secondsPerRound * 1e6 / p50));
        PipeBenchmark.log("%s 64B ping-pong: %d round trips per round", mechanism, trips[0]);
        Interleaved<long[]> rp = Interleaved.run(config.rounds, fluxPing, blockingPing);
        Samples a = Samples.microsFromNanos(rp.interflux);
        Samples b = Samples.microsFromNanos(rp.baseline);
        PipeBenchmark.log("  rtt us: interflux %s; baseline %s", a.spread(), b.spread());
        Result rtt = new Result(mechanism, "64B", "rtt_p50_us", a.median(), b.median(), "jdk-blocking-loop", "us");
        Result rtt99 = new Result(mechanism, "64B", "rtt_p99_us", a.percentile(0.99), b.percentile(0.99),
                "jdk-blocking-loop", "us");

        List<Target> targets = new ArrayList<>();
        targets.add(Double.isNaN(minThroughput) ? Target.reported(throughput) : Target.atLeast(throughput, minThroughput));
        targets.add(Double.isNaN(maxRtt) ? Target.reported(rtt) : Target.atMost(rtt, maxRtt));
        targets.add(Target.reported(rtt99));
        return targets;
    }

    /** Each pong, received through Interflux, sends the next ping through Interflux. */
    private static long[] pingPongInterflux(Setup setup, int count) {
        return RoundTrips.measure(setup::sendPings, setup.pongs(), new byte[PAYLOAD], count);
    }

    private static Process startPeer(String kind, String arg) throws Exception {
        List<String> cmd = List.of(BenchmarkConfig.javaExecutable(), "-Xmx64m", "-XX:+UseSerialGC",
                "-cp", BenchmarkConfig.classPath(), MqueuePeer.class.getName(), kind, arg);
        return new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static void stopPeer(Process peer, MqueuePeer.Channel raw, int offset) throws Exception {
        try {
            ByteBuffer ctl = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
            ctl.putInt(offset, 0);
            raw.send(MqueuePeer.CTL, ctl, Native.address(ctl), 4);
            peer.waitFor(5, TimeUnit.SECONDS);
        } finally {
            peer.destroyForcibly();
        }
    }

    static final class Posix implements Setup {
        final String base = "/ifx-bench-" + ProcessHandle.current().pid();
        final List<PosixQueue> queues = new ArrayList<>();
        final PosixQueue data;
        final PosixQueue ping;
        final PosixQueue pong;
        final MqueuePeer.PosixChannel raw;
        final Process peer;

        Posix() throws Exception {
            for (String s : Arrays.asList("-ctl", "-data", "-ping", "-pong")) {
                queues.add(PosixQueue.named(base + s).creation(Creation.CREATE_NEW).maxMessageSize(8192).openNow(LIMIT));
            }
            data = queues.get(1);
            ping = queues.get(2);
            pong = queues.get(3);
            raw = new MqueuePeer.PosixChannel(base);
            peer = startPeer("posix", base);
        }

        @Override
        public MqueuePeer.Channel raw() {
            return raw;
        }

        @Override
        public Mono<Long> receiveData(int n) {
            return data.receive().take(n).count();
        }

        @Override
        public Mono<Void> sendPings(Flux<byte[]> pings) {
            return ping.send(pings.map(PosixMessage::of));
        }

        @Override
        public Flux<byte[]> pongs() {
            return pong.receive().map(PosixMessage::payload);
        }

        @Override
        public int offset() {
            return 0;
        }

        @Override
        public void close() throws Exception {
            try {
                stopPeer(peer, raw, 0);
            } finally {
                raw.close();
                queues.forEach(PosixQueue::dispose);
            }
        }
    }

    static final class SysV implements Setup {
        final SysVQueue queue;
        final MqueuePeer.SysVChannel raw;
        final Process peer;

        SysV() throws Exception {
            queue = SysVQueue.privateQueue().openNow(LIMIT);
            raw = new MqueuePeer.SysVChannel(queue.id());
            peer = startPeer("sysv", Integer.toString(queue.id()));
        }

        @Override
        public MqueuePeer.Channel raw() {
            return raw;
        }

        @Override
        public Mono<Long> receiveData(int n) {
            return queue.receive(MqueuePeer.DATA).take(n).count();
        }

        @Override
        public Mono<Void> sendPings(Flux<byte[]> pings) {
            return queue.send(pings.map(p -> SysVMessage.of(p, MqueuePeer.PING)));
        }

        @Override
        public Flux<byte[]> pongs() {
            return queue.receive(MqueuePeer.PONG).map(SysVMessage::payload);
        }

        @Override
        public int offset() {
            return 8;
        }

        @Override
        public void close() throws Exception {
            try {
                stopPeer(peer, raw, 8);
            } finally {
                queue.dispose();
            }
        }
    }
}
