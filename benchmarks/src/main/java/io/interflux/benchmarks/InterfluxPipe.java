package io.interflux.benchmarks;

import io.interflux.Framing;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.Stdio;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The Interflux side of the pipe benchmarks: {@link ChildProcess} streams, read and written on
 * the shared event loop. Consumers run on the loop thread, as an application's operators would.
 */
final class InterfluxPipe {

    private static final Duration LIMIT = PipeBenchmark.LIMIT;

    private InterfluxPipe() {
    }

    /**
     * Streams the stdout of {@code command} as raw chunks, metering bytes and time from first
     * chunk to end: in place in the read buffer, or as a new {@code byte[]} per chunk.
     */
    static PipeBenchmark.ChunkMeter chunks(List<String> command, boolean inPlace) {
        ChildProcess child = ChildProcess.command(command)
                .stdin(Stdio.DISCARD).stderr(Stdio.DISCARD)
                .start().block(LIMIT);
        try {
            PipeBenchmark.ChunkMeter meter = new PipeBenchmark.ChunkMeter();
            Flux<Integer> sizes = inPlace
                    ? child.stdout(Framing.raw(), ChunkSize.INSTANCE)
                    : child.stdout().map(chunk -> chunk.length);
            sizes.doOnNext(meter::chunk).then().block(LIMIT);
            PipeBenchmark.checkExit(command, child.exit().block(LIMIT));
            return meter;
        } finally {
            child.dispose();
        }
    }

    /** A {@link PipeFrameWriter} child whose frames arrive through {@code stdout(Framing.lengthPrefixed(..))}. */
    static final class Frames implements PipeBenchmark.FrameSource {
        private final ChildProcess child;
        private final Sinks.Many<byte[]> commands = Sinks.many().unicast().onBackpressureBuffer();
        private final Disposable reading;
        private final Disposable sending;
        private volatile Round round;
        private volatile Throwable failure;

        Frames(List<String> command) {
            this.child = ChildProcess.command(command).stderr(Stdio.INHERIT).start().block(LIMIT);
            this.sending = child.send(commands.asFlux()).subscribe(null, this::fail);
            this.reading = child.stdout(PipeBenchmark.FRAMING).subscribe(this::onFrame, this::fail);
        }

        @Override
        public double framesPerSecond(int n) throws Exception {
            Round r = new Round(n);
            round = r;
            long start = System.nanoTime();
            commands.emitNext(PipeBenchmark.count(n), Sinks.EmitFailureHandler.FAIL_FAST);
            PipeBenchmark.await(r.done, () -> failure, "frames from " + child);
            return n / ((r.end - start) / 1e9);
        }

        /** On the loop thread. */
        private void onFrame(byte[] frame) {
            Round r = round;
            PipeBenchmark.checkFrame(frame);
            if (++r.received == r.expected) {
                r.end = System.nanoTime();
                r.done.countDown();
            }
        }

        private void fail(Throwable t) {
            failure = t;
            Round r = round;
            if (r != null) {
                r.done.countDown();
            }
        }

        @Override
        public void close() {
            commands.tryEmitComplete();
            child.exit().timeout(Duration.ofSeconds(10)).onErrorResume(e -> Mono.empty()).block();
            reading.dispose();
            sending.dispose();
            child.dispose();
        }

        /** One round: written by the loop thread, read by the caller after {@code done}. */
        private static final class Round {
            final int expected;
            final CountDownLatch done = new CountDownLatch(1);
            int received;
            long end;

            Round(int expected) {
                this.expected = expected;
            }
        }
    }

    /**
     * A {@link PipeEcho} child whose stdin is fed by a {@link FluxSink} into {@code send(..)}: each
     * pong, seen on the loop thread by the stdout subscriber, emits the next ping.
     *
     * <p>{@code Flux.create}'s sink serialises emissions: the caller's first ping of a round can
     * still be inside {@code next()} when the echo's pong arrives on the loop thread, and that
     * pong's ping is then queued and written by the caller instead of failing (a bare
     * {@code Sinks.many().unicast()} reports such overlap as {@code FAIL_NON_SERIALIZED}).
     */
    static final class PingPong implements PipeBenchmark.PingPong {
        private final ChildProcess child;
        private final Disposable reading;
        private final Disposable sending;
        private final byte[] ping = PipeBenchmark.payload();
        private volatile FluxSink<byte[]> pings;
        private volatile Round round;
        private volatile Throwable failure;

        PingPong(List<String> command) {
            this.child = ChildProcess.command(command).stderr(Stdio.INHERIT).start().block(LIMIT);
            Flux<byte[]> outgoing = Flux.create(sink -> pings = sink);
            this.sending = child.send(outgoing, PipeBenchmark.FRAMING).subscribe(null, this::fail);
            if (pings == null) {
                throw new IllegalStateException("the send did not subscribe to its pings");
            }
            this.reading = child.stdout(PipeBenchmark.FRAMING).subscribe(this::onPong, this::fail);
        }

        @Override
        public long[] roundTrips(int n) throws Exception {
            Round r = new Round(n);
            r.sentAt = System.nanoTime();
            round = r; // publishes sentAt to the loop thread
            pings.next(ping);
            PipeBenchmark.await(r.done, () -> failure, "pongs from " + child);
            return r.samples;
        }

        /** On the loop thread: record the round trip and send the next ping. */
        private void onPong(byte[] pong) {
            long now = System.nanoTime();
            Round r = round;
            PipeBenchmark.checkFrame(pong);
            r.samples[r.received++] = now - r.sentAt;
            if (r.received < r.samples.length) {
                r.sentAt = System.nanoTime();
                pings.next(ping);
            } else {
                r.done.countDown();
            }
        }

        private void fail(Throwable t) {
            failure = t;
            Round r = round;
            if (r != null) {
                r.done.countDown();
            }
        }

        @Override
        public void close() {
            pings.complete();
            child.exit().timeout(Duration.ofSeconds(10)).onErrorResume(e -> Mono.empty()).block();
            reading.dispose();
            sending.dispose();
            child.dispose();
        }

        /** One round: the first ping is sent by the caller, the rest by the loop thread. */
        private static final class Round {
            final long[] samples;
            final CountDownLatch done = new CountDownLatch(1);
            int received;
            long sentAt;

            Round(int n) {
                this.samples = new long[n];
            }
        }
    }

}
