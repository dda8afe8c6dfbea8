package io.interflux.examples.tour;

import io.interflux.Codec;
import io.interflux.Creation;
import io.interflux.mqueue.PosixMessage;
import io.interflux.mqueue.PosixQueue;
import io.interflux.mqueue.SysVMessage;
import io.interflux.mqueue.SysVQueue;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;

/**
 * Message queues: POSIX queues hand out the most urgent message first; System V queues let
 * each consumer take only its own type. Both are measured with 64-byte messages.
 */
public final class MqueueChapter implements Chapter {

    private static final Duration LIMIT = Duration.ofSeconds(30);
    private static final int MESSAGES = 200_000;
    private static final int TRIPS = 5_000;

    @Override
    public String title() {
        return "Message queues (POSIX and System V)";
    }

    @Override
    public Row run(PrintStream out) throws Exception {
        String name = "/interflux-tour-" + ProcessHandle.current().pid();
        // two openings of one named queue, as two processes would have
        PosixQueue producer = PosixQueue.named(name).creation(Creation.CREATE_NEW).maxMessages(10).maxMessageSize(256)
                .openNow(LIMIT);
        PosixQueue consumer = PosixQueue.named(name).creation(Creation.OPEN_EXISTING).openNow(LIMIT);
        double posixRate;
        double posixRtt;
        try {
            producer.send(Flux.just(
                    PosixMessage.of("routine report", Codec.utf8(), 1),
                    PosixMessage.of("disk almost full", Codec.utf8(), 20),
                    PosixMessage.of("weekly digest", Codec.utf8(), 0),
                    PosixMessage.of("intrusion detected", Codec.utf8(), 31))).block(LIMIT);
            List<String> order = consumer.receive().take(4)
                    .map(m -> m.decode(Codec.utf8()) + " (priority " + m.priority() + ")").collectList().block(LIMIT);
            out.println("   POSIX queue " + name + " (mode 0600, 10 slots), sent in any order, received most urgent first:");
            order.forEach(line -> out.println("     " + line));

            posixRate = rate(producer.send(Flux.range(0, MESSAGES).map(i -> PosixMessage.of(new byte[64]))),
                    consumer.receive().take(MESSAGES).then());
            out.printf("   %,d messages of 64 B through the 10-slot queue (the sender held back whenever it was full): %,.0f msg/s%n",
                    MESSAGES, posixRate);
        } finally {
            producer.dispose();
            consumer.dispose();
        }
        PosixQueue pings = PosixQueue.named(name + "-ping").creation(Creation.CREATE_NEW).openNow(LIMIT);
        PosixQueue pongs = PosixQueue.named(name + "-pong").creation(Creation.CREATE_NEW).openNow(LIMIT);
        try {
            // the echo side: every ping comes back as a pong
            pongs.send(pings.receive()).subscribe(null, e -> { });
            posixRtt = pingPong(m -> pings.send(m.map(PosixMessage::of)), pongs.receive().map(PosixMessage::payload));
            out.printf("   64-byte ping-pong through two POSIX queues, %,d round trips: p50 %.1f us%n", TRIPS, posixRtt);
        } finally {
            pings.dispose();
            pongs.dispose();
        }

        SysVQueue jobs = SysVQueue.privateQueue().openNow(LIMIT);
        double sysvRate;
        try {
            Mono<List<String>> images = jobs.receive(1, Codec.utf8()).take(3).collectList();
            Mono<List<String>> mails = jobs.receive(2, Codec.utf8()).take(2).collectList();
            Mono<Void> sent = jobs.send(Flux.just(
                    SysVMessage.of("resize cat.jpg", Codec.utf8(), 1),
                    SysVMessage.of("mail alice", Codec.utf8(), 2),
                    SysVMessage.of("resize dog.png", Codec.utf8(), 1),
                    SysVMessage.of("mail bob", Codec.utf8(), 2),
                    SysVMessage.of("resize owl.gif", Codec.utf8(), 1)));
            var got = Mono.zip(images, mails, sent.thenReturn(true)).block(LIMIT);
            out.println("   System V queue " + jobs.id() + " (mode 0600), one queue, two consumers selecting by type:");
            out.println("     type 1 consumer: " + got.getT1());
            out.println("     type 2 consumer: " + got.getT2());
            sysvRate = rate(jobs.send(Flux.range(0, MESSAGES).map(i -> SysVMessage.of(new byte[64], 3))),
                    jobs.receive(3).take(MESSAGES).then());
            out.printf("   %,d messages of 64 B through the System V queue (polled with backoff, no thread held): %,.0f msg/s%n",
                    MESSAGES, sysvRate);
        } finally {
            jobs.dispose();
        }
        return new Row("message queue (POSIX / System V)",
                String.format("%,.0f / %,.0f msg/s (64 B)", posixRate, sysvRate),
                String.format("%.0f us p50 RTT (POSIX)", posixRtt),
                "whole messages + priority / type", "many-to-many",
                "work queues between unrelated processes, urgent-first or by kind");
    }

    private static double rate(Mono<Void> send, Mono<Void> receive) {
        long t0 = System.nanoTime();
        Mono.when(send, receive).block(LIMIT);
        return MESSAGES / ((System.nanoTime() - t0) / 1e9);
    }

    /** Each pong sends the next ping; returns the median round trip in microseconds. */
    private static double pingPong(java.util.function.Function<Flux<byte[]>, Mono<Void>> send, Flux<byte[]> replies) {
        return RoundTrips.medianMicros(send, replies, TRIPS);
    }
}
