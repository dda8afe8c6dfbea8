package io.interflux.pipe;

import io.interflux.internal.Spi;
import io.interflux.Framing;
import io.interflux.UnixSignal;
import io.interflux.internal.FdWriter;
import io.interflux.testkit.TransportConformance;
import io.interflux.testkit.TransportUnderTest;
import org.junit.jupiter.api.DisplayName;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.nio.ByteBuffer;
import java.time.Duration;

@DisplayName("The pipe transport, looped back through a cat child,")
class PipeConformanceTest extends TransportConformance {

    @Override
    protected TransportUnderTest transport() {
        return new CatLoopbacks();
    }

    /** Frames go into a {@code cat}'s stdin and come back from its stdout. */
    static final class CatLoopbacks implements TransportUnderTest {

        static final Duration START = Duration.ofSeconds(10);
        static final int PIPE_CAPACITY = 64 * 1024;
        /** GNU cat copies through a buffer of max(128 KiB, st_blksize). */
        static final int CAT_BUFFER = 128 * 1024;

        @Override
        public String name() {
            return "pipe";
        }

        @Override
        public Loopback open(int maxFrameSize) {
            ChildProcess cat = ChildProcess.command("cat").stderr(Stdio.DISCARD).start().block(START);
            return new CatLoopback(cat, Framing.lengthPrefixed(maxFrameSize));
        }
    }

    static final class CatLoopback implements TransportUnderTest.Loopback {
        private final ChildProcess cat;
        private final Framing framing;

        CatLoopback(ChildProcess cat, Framing framing) {
            this.cat = cat;
            this.framing = framing;
        }

        @Override
        public Flux<byte[]> inbound() {
            return cat.stdout(framing);
        }

        @Override
        public Mono<Void> send(Publisher<byte[]> frames) {
            return cat.send(frames, framing);
        }

        /** A length header announcing {@code size} bytes, then those bytes, written raw past the writer's check. */
        @Override
        public Mono<Void> sendOversize(int size) {
            return Mono.defer(() -> {
                ByteBuffer frame = ByteBuffer.allocate(Integer.BYTES + size).putInt(size);
                return cat.send(Mono.just(frame.array()), Framing.raw());
            });
        }

        /**
         * stdin and stdout pipes, cat's copy buffer, the writer's and the reader's buffers (all
         * counted as payload, an upper bound since each frame carries a 4-byte header) and the
         * writer's prefetch of whole frames, plus a quarter for what this sum misses.
         */
        @Override
        public long inFlightBoundBytes(int frameSize) {
            long buffers = 2L * CatLoopbacks.PIPE_CAPACITY + CatLoopbacks.CAT_BUFFER
                    + 2L * Math.max(ChildProcessSpec.DEFAULT_BUFFER_SIZE, Spi.largestBuffer(framing));
            long prefetch = (long) FdWriter.DEFAULT_PREFETCH * frameSize;
            return (buffers + prefetch) * 5 / 4;
        }

        @Override
        public ProcessHandle startPeer() {
            return ProcessHandle.of(cat.pid()).orElseThrow(); // the cat child echoing the frames
        }

        @Override
        public void close() {
            cat.dispose();
            cat.onDispose().block(CatLoopbacks.START);
        }
    }
}
