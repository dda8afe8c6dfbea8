package io.interflux.examples.tour;

import io.interflux.Codec;
import io.interflux.Creation;
import io.interflux.shm.RingMessage;
import io.interflux.shm.SharedRing;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Shared memory, the fastest mechanism: a ring of whole messages in {@code /dev/shm} that two
 * processes map, with no system call per message while both are busy and none at all while
 * idle. Measured next to the pipe through {@code cat}, so the factor shows.
 */
public final class ShmChapter implements Chapter {

    private static final Duration LIMIT = Duration.ofSeconds(30);
    private static final int MESSAGES = 2_000_000;
    private static final int BIG = 64 * 1024;
    private static final int BIG_MESSAGES = 20_000;
    private static final int TRIPS = 5_000;
    private static final int WARM_TRIPS = 30_000;

    @Override
    public String title() {
        return "Shared memory rings";
    }

    @Override
    public Row run(PrintStream out) throws Exception {
        String name = "/interflux-tour-" + ProcessHandle.current().pid();
        // two openings of one ring, as a consuming and a producing process would have
        SharedRing consumer = SharedRing.named(name).creation(Creation.CREATE_NEW).capacity(4 << 20).openNow(LIMIT);
        SharedRing producer = SharedRing.named(name).creation(Creation.OPEN_EXISTING).openNow(LIMIT);
        double rate;
        double mbPerS;
        try {
            Path segment = consumer.path();
            out.println("   ring " + name + ": " + segment + " (mode " + mode(segment) + "), doorbells "
                    + segment.getFileName() + ".bell and .space, " + (consumer.capacity() >> 20) + " MiB of records");
            producer.send(Flux.just(RingMessage.of("quote AAPL 189.20", Codec.utf8(), 1),
                    RingMessage.of("trade AAPL 100", Codec.utf8(), 2))).block(LIMIT);
            List<String> got = consumer.receive().take(2)
                    .map(m -> "type " + m.type() + ": " + m.decode(Codec.utf8())).collectList().block(LIMIT);
            out.println("   two records with their types: " + got);

            long t0 = System.nanoTime();
            Mono.when(producer.send(Flux.range(0, MESSAGES).map(i -> new byte[64]), Codec.bytes()),
                    consumer.receive(Codec.bytes()).take(MESSAGES).then()).block(LIMIT);
            rate = MESSAGES / ((System.nanoTime() - t0) / 1e9);
            out.printf("   %,d messages of 64 B, one byte[] each: %,.0f msg/s%n", MESSAGES, rate);

            t0 = System.nanoTime();
            Mono.when(producer.send(Flux.range(0, BIG_MESSAGES).map(i -> new byte[BIG]), Codec.bytes()),
                    consumer.receive(Codec.bytes()).take(BIG_MESSAGES).then()).block(LIMIT);
            mbPerS = (double) BIG_MESSAGES * BIG / 1e6 / ((System.nanoTime() - t0) / 1e9);
            out.printf("   %,d messages of 64 KiB: %.0f MB/s%n", BIG_MESSAGES, mbPerS);
        } finally {
            producer.dispose();
            consumer.dispose();
        }

        double ring = echoRoundTrips(name);
        double pipe = Double.MAX_VALUE;
        for (int round = 0; round < 3; round++) {
            pipe = Math.min(pipe, PipeChapter.pingPongMedianMicros(2000));
        }
        out.printf("   64-byte ping-pong with a child JVM over two rings, best of 3 x %,d round trips: p50 %.1f us%n",
                TRIPS, ring);
        out.printf("   the same through a pipe to cat, measured now (best of 3): p50 %.1f us, %.1fx the ring's%n",
                pipe, pipe / ring);
        return new Row("shared memory ring", String.format("%,.0f msg/s (64 B), %.0f MB/s (64 KiB)", rate, mbPerS),
                String.format("%.1f us p50 RTT", ring), "whole messages + type", "many-to-one (a ring each way)",
                "the hottest paths between processes on one host");
    }

    /** Pings on one ring, pongs from a child JVM on another; the median round trip in microseconds. */
    private static double echoRoundTrips(String name) throws Exception {
        SharedRing pings = SharedRing.named(name + "-ping").creation(Creation.CREATE_NEW).capacity(1 << 16).openNow(LIMIT);
        SharedRing pongs = SharedRing.named(name + "-pong").creation(Creation.CREATE_NEW).capacity(1 << 16).openNow(LIMIT);
        Process echo = new ProcessBuilder(SignalChapter.javaCommand(Echo.class, name))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(echo.getInputStream(), StandardCharsets.UTF_8));
            if (!"ready".equals(lines.readLine())) {
                throw new IllegalStateException("the echo JVM did not start");
            }
            // a fresh JVM at each end: the first round trips run in the interpreter, and measure it;
            // and while the JIT still compiles, a spinning side can lose its core: best of three
            RoundTrips.medianMicros(p -> pings.send(p, Codec.bytes()), pongs.receive(Codec.bytes()), WARM_TRIPS);
            double best = Double.MAX_VALUE;
            for (int round = 0; round < 3; round++) {
                best = Math.min(best, RoundTrips.medianMicros(p -> pings.send(p, Codec.bytes()),
                        pongs.receive(Codec.bytes()), TRIPS));
            }
            return best;
        } finally {
            echo.getOutputStream().close();
            echo.destroy();
            pings.dispose();
            pongs.dispose();
        }
    }

    private static String mode(Path p) throws java.io.IOException {
        return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    /** The child: every record on NAME-ping comes back on NAME-pong; exits when stdin ends. */
    public static final class Echo {

        private Echo() {
        }

        /**
         * Echoes records from one ring into the other until stdin ends.
         *
         * @param args the ring name both are derived from
         */
        public static void main(String[] args) throws Exception {
            SharedRing pings = SharedRing.named(args[0] + "-ping").creation(Creation.OPEN_EXISTING).openNow(LIMIT);
            SharedRing pongs = SharedRing.named(args[0] + "-pong").creation(Creation.OPEN_EXISTING).openNow(LIMIT);
            pongs.send(pings.receive()).subscribe(null, e -> { });
            System.out.println("ready");
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for end of input
            }
            System.exit(0);
        }
    }
}
