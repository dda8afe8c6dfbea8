package io.interflux.internal;

import io.interflux.Codec;
import io.interflux.EventLoop;
import io.interflux.FrameTooLargeException;
import io.interflux.Framing;
import io.interflux.TruncatedFrameException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** The read half of the bridge over real {@code pipe2} pairs, written by core's own writer. */
@Timeout(60)
@DisplayName("FdReader over a pipe")
class FdReaderTest {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final int READ_BUFFER = 64 * 1024;
    static EventLoop loop;

    FdReader reader;
    FdWriter writer;

    @BeforeAll
    static void startLoop() {
        loop = EventLoop.create("fdreader-test", 1);
    }

    @AfterAll
    static void stopLoop() {
        loop.disposeLater().block(WAIT);
    }

    @BeforeEach
    void pipe() {
        int[] fds = new int[2];
        assertThat(Native.libc().pipe2(fds, Native.O_CLOEXEC | Native.O_NONBLOCK)).isZero();
        reader = new FdReader(Spi.poller(loop), fds[0], "test pipe", READ_BUFFER);
        writer = new FdWriter(Spi.poller(loop), fds[1], "test pipe writer", READ_BUFFER);
    }

    @AfterEach
    void close() {
        writer.close();
        reader.close();
    }

    static byte[] payload(int size, char first) {
        byte[] p = new byte[size];
        for (int i = 0; i < size; i++) {
            p[i] = (byte) (first + i % 20);
        }
        return p;
    }

    static byte[] wire(Framing framing, byte[]... payloads) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : payloads) {
            out.writeBytes(Spi.encoder(framing).prefix(p));
            out.writeBytes(p);
            out.writeBytes(Spi.encoder(framing).suffix());
        }
        return out.toByteArray();
    }

    /** Writes raw bytes in pieces of at most {@code piece}, then closes the writer. */
    void writeAndClose(byte[] bytes, int piece) {
        List<byte[]> pieces = new ArrayList<>();
        for (int at = 0; at < bytes.length; at += piece) {
            pieces.add(Arrays.copyOfRange(bytes, at, Math.min(bytes.length, at + piece)));
        }
        writer.send(Flux.fromIterable(pieces), Framing.raw()).doFinally(s -> writer.close())
                .subscribe(null, e -> { }); // a reader that stops early leaves the writer an EPIPE
    }

    @Test
    @DisplayName("lines(Integer.MAX_VALUE): a line of 300 KiB arrives whole, not cut at the read buffer")
    void longLineUnderTheLargestMaximum() {
        Framing lines = Framing.lines(Integer.MAX_VALUE);
        byte[] longLine = payload(Integer.getInteger("ll", 300) * 1024, 'a');
        writeAndClose(wire(lines, longLine, "end".getBytes()), 8192);
        StepVerifier.create(reader.receive(lines), 0)
                .thenRequest(1)
                .assertNext(l -> assertThat(l).isEqualTo(longLine))
                .thenRequest(1)
                .assertNext(l -> assertThat(new String(l)).isEqualTo("end"))
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    @DisplayName("lengthPrefixed(Integer.MAX_VALUE): a 1 MiB frame written slowly is no false end of stream")
    void largeFrameWhileTheWriterWrites() {
        Framing f = Framing.lengthPrefixed(Integer.MAX_VALUE);
        byte[] big = payload(1 << 20, 'A');
        byte[] small = payload(10, 'x');
        byte[] bytes = wire(f, big, small);
        // the first half goes in at once and the rest only after the reader's buffer filled:
        // a reader that took a full buffer for end of stream would complete before the second frame
        Flux<byte[]> halves = Flux.just(Arrays.copyOf(bytes, bytes.length / 2))
                .concatWith(Flux.defer(() -> Flux.just(Arrays.copyOfRange(bytes, bytes.length / 2, bytes.length))));
        writer.send(halves, Framing.raw()).doFinally(s -> writer.close()).subscribe();
        StepVerifier.create(reader.receive(f))
                .assertNext(b -> assertThat(b).isEqualTo(big))
                .assertNext(b -> assertThat(b).isEqualTo(small))
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    @DisplayName("at a maximum beyond the read buffer, max - 1 and max arrive whole and max + 1 fails naming the pipe")
    void boundariesBeyondTheReadBuffer() {
        int max = 70_000;
        for (Framing f : new Framing[] {Framing.lines(max), Framing.delimiter(new byte[] {'<', '>'}, max),
                Framing.lengthPrefixed(max)}) {
            close(); // the pipe of the one before, or @BeforeEach's: each framing gets a fresh one
            pipe();
            byte[] a = payload(max - 1, 'a');
            byte[] b = payload(max, 'b');
            byte[] c = payload(max + 1, 'c');
            writeAndClose(wire(f, a, b, c), 4096);
            StepVerifier.create(reader.receive(f), 0)
                    .thenRequest(1)
                    .assertNext(x -> assertThat(x).as("%s max - 1", f).isEqualTo(a))
                    .thenRequest(5)
                    .assertNext(x -> assertThat(x).as("%s max", f).isEqualTo(b))
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(FrameTooLargeException.class)
                            .hasMessageContaining("on test pipe").hasMessageContaining("limit=" + max))
                    .verify(WAIT);
        }
    }

    @Test
    @DisplayName("a 256 MiB maximum costs a 64 KiB buffer for 10-byte frames; a 1 MiB frame grows it, small frames give it back")
    void bufferGrowsToTheFrameAndShrinksBack() throws Exception {
        Framing f = Framing.lengthPrefixed(256 << 20);
        byte[] big = payload(1 << 20, 'B');
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            frames.add(payload(10, 'a'));
        }
        frames.add(big);
        for (int i = 0; i < 100; i++) {
            frames.add(payload(10, 'z'));
        }
        writeAndClose(wire(f, frames.toArray(new byte[0][])), 8192);

        List<Integer> capacities = new ArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        AtomicBoolean sawBig = new AtomicBoolean();
        reader.receive(f).subscribe(new CoreSubscriber<byte[]>() {
            @Override
            public void onSubscribe(Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(byte[] frame) {
                if (frame.length == big.length) {
                    sawBig.set(Arrays.equals(frame, big));
                }
                capacities.add(reader.source.bufferCapacity());
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                done.complete(null);
            }
        });
        done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(sawBig).isTrue();
        assertThat(capacities).hasSize(201);
        assertThat(capacities.subList(0, 100)).as("before the big frame").allMatch(c -> c <= READ_BUFFER);
        assertThat(capacities.get(100)).as("holding the 1 MiB frame")
                .isGreaterThanOrEqualTo(big.length + 4).isLessThanOrEqualTo(2 * (big.length + 4));
        assertThat(capacities.get(200)).as("after small frames again").isLessThanOrEqualTo(READ_BUFFER);
    }

    @Test
    @DisplayName("a quiet stream reads into 4 KiB; a burst has reads of the full 64 KiB; sixteen small reads give it back")
    void readSizeFollowsTheStream() throws Exception {
        Framing f = Framing.lengthPrefixed(1000);
        java.util.concurrent.BlockingQueue<Integer> capacities = new java.util.concurrent.LinkedBlockingQueue<>();
        reader.receive(f).subscribe(frame -> capacities.add(reader.source.bufferCapacity()));
        java.util.function.IntSupplier next = () -> {
            try {
                Integer c = capacities.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
                assertThat(c).as("a frame within " + WAIT).isNotNull();
                return c;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        };
        writer.send(Flux.just(payload(10, 'a')), f).block(WAIT);
        assertThat(next.getAsInt()).as("a quiet stream").isEqualTo(FrameSource.SMALL_BUFFER);

        int burst = 20_000; // 280 KiB of frames, more than the pipe holds, so the reader meets full reads
        byte[][] frames = new byte[burst][];
        Arrays.fill(frames, payload(10, 'b'));
        writer.send(Flux.just(wire(f, frames)), Framing.raw()).block(WAIT);
        int largest = 0;
        for (int i = 0; i < burst; i++) {
            largest = Math.max(largest, next.getAsInt());
        }
        assertThat(largest).as("during the burst").isEqualTo(READ_BUFFER);

        int last = 0;
        for (int i = 0; i <= FrameSource.SMALL_READS_TO_SHRINK + 1; i++) {
            writer.send(Flux.just(payload(10, 'c')), f).block(WAIT);
            last = next.getAsInt(); // one frame, one small read
        }
        assertThat(last).as("after quiet reads again").isEqualTo(FrameSource.SMALL_BUFFER);
    }

    @Test
    @DisplayName("a length-prefixed stream cut inside a frame fails with TruncatedFrameException naming the pipe and the bytes left")
    void cutInsideAFrame() {
        Framing f = Framing.lengthPrefixed(1000);
        byte[] bytes = wire(f, payload(5, 'a'), payload(100, 'b'));
        writeAndClose(Arrays.copyOf(bytes, bytes.length - 30), 1000);
        StepVerifier.create(reader.receive(f, Codec.utf8()))
                .expectNext("abcde")
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(TruncatedFrameException.class)
                        .hasMessage("test pipe ended inside a length-prefixed frame: 74 bytes left over of a frame of 104 bytes"))
                .verify(WAIT);
    }

    @Test
    @DisplayName("a line cut off by the writer's end is delivered by default and fails a strict framing")
    void unterminatedLastLine() {
        writeAndClose("one\ntw".getBytes(), 100);
        StepVerifier.create(reader.receive(Framing.lines(), Codec.utf8()))
                .expectNext("one", "tw")
                .expectComplete()
                .verify(WAIT);
        close();
        pipe();
        writeAndClose("one\ntw".getBytes(), 100);
        StepVerifier.create(reader.receive(Framing.lines().strict(), Codec.utf8()))
                .expectNext("one")
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(TruncatedFrameException.class)
                        .hasMessageContaining("test pipe ended inside a line").hasMessageContaining("2 bytes left over"))
                .verify(WAIT);
    }

    @Test
    @DisplayName("with an end-of-stream policy that says 'not yet', a zero-byte read waits instead of completing")
    void zeroReadThatIsNotTheEnd() {
        writer.close();
        int[] fds = new int[2];
        assertThat(Native.libc().pipe2(fds, Native.O_CLOEXEC | Native.O_NONBLOCK)).isZero();
        Native.libc().close(fds[1]); // no writer at all: every read returns 0
        AtomicBoolean end = new AtomicBoolean();
        FdReader waiting = new FdReader(Spi.poller(loop), fds[0], "test pipe without writer", READ_BUFFER, end::get);
        StepVerifier.create(waiting.receive(Framing.lines()))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(200))
                .then(() -> {
                    end.set(true);
                    waiting.close(); // the owner closing completes the stream, on its drain
                })
                .expectComplete()
                .verify(WAIT);
    }
}
