package io.interflux.fifo;

import io.interflux.testkit.OpenDescriptors;

import io.interflux.Codec;
import io.interflux.FrameTooLargeException;
import io.interflux.Framing;
import io.interflux.IpcException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(30)
@DisplayName("FIFO readers and writers")
class FifoStreamTest {

    private static final Duration LIMIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final List<Disposable> opened = new ArrayList<>();

    @AfterEach
    void release() {
        opened.forEach(Disposable::dispose);
    }

    private <R extends Disposable> R keep(R r) {
        opened.add(r);
        return r;
    }

    @Test
    @DisplayName("a reader reads nothing without demand, then exactly what is requested, and completes like cat")
    void readsOnDemand() {
        FifoSpec<String> spec = Fifo.at(dir.resolve("demand")).codec(Codec.utf8());
        FifoReader<String> reader = keep(spec.openReader().block(LIMIT));
        FifoWriter<String> writer = keep(spec.openWriter().block(LIMIT));
        writer.send(Flux.just("one", "two", "three")).block(LIMIT);

        StepVerifier.create(reader.receive(), 0)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(100))
                .thenRequest(2)
                .expectNext("one", "two")
                .expectNoEvent(Duration.ofMillis(50))
                .thenRequest(1)
                .expectNext("three")
                .then(writer::dispose)
                .thenRequest(1)
                .expectComplete()
                .verify(LIMIT);
        assertThat(reader.isDisposed()).as("the stream's end disposes its reader").isTrue();
    }

    @Test
    @DisplayName("with no demand the FIFO fills and the writer is held back until the reader requests")
    void writerHeldBack() {
        FifoSpec<byte[]> spec = Fifo.at(dir.resolve("full")).framing(Framing.raw()).singleWriter(true);
        FifoReader<byte[]> reader = keep(spec.openReader().block(LIMIT));
        FifoWriter<byte[]> writer = keep(spec.openWriter().block(LIMIT));
        int total = 1 << 20; // far more than the 64 KiB a FIFO holds
        AtomicLong read = new AtomicLong();
        Mono<Void> send = writer.send(Flux.range(0, total / 1024).map(i -> new byte[1024]))
                .then(Mono.fromRunnable(writer::dispose));

        StepVerifier.create(send.then(), 0)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(200)) // stuck: nobody reads
                .then(() -> reader.receive().subscribe(chunk -> read.addAndGet(chunk.length)))
                .expectComplete()
                .verify(LIMIT);
        StepVerifier.create(reader.onDispose()).expectComplete().verify(LIMIT);
        assertThat(read.get()).isEqualTo(total);
    }

    @Test
    @DisplayName("a persistent inbox stays open while writers come and go, losing and reordering nothing")
    void persistentInbox() {
        FifoSpec<String> spec = Fifo.at(dir.resolve("inbox")).codec(Codec.utf8()).persistent(true);
        FifoReader<String> reader = keep(spec.openReader().block(LIMIT));
        StepVerifier.create(reader.receive(), 0)
                .expectSubscription()
                .then(() -> spec.send(Flux.range(0, 100).map(i -> "a" + i)).block(LIMIT))
                .thenRequest(100)
                .expectNextSequence(IntStream.range(0, 100).mapToObj(i -> "a" + i).toList())
                // this runs on whichever thread delivered a99, the loop's perhaps: nothing here may block
                .then(() -> spec.send(Flux.just("b0", "b1")).then(spec.send(Flux.just("c0"))).subscribe())
                .thenRequest(10)
                .expectNext("b0", "b1", "c0")
                .expectNoEvent(Duration.ofMillis(150)) // no writer left, and still no end
                .thenCancel()
                .verify(LIMIT);
    }

    @Test
    @DisplayName("a reader that created its FIFO has removed it, and is disposed, by the time its subscriber hears of the end")
    void endRemovesBeforeTheSubscriberHears() {
        Path path = dir.resolve("gone");
        FifoSpec<String> spec = Fifo.at(path).codec(Codec.utf8()).removeOnDispose(true);
        for (int round = 0; round < 20; round++) { // the same path at once again, as a loop of readers would
            FifoReader<String> reader = keep(spec.openReader().block(LIMIT));
            spec.send(Flux.just("round " + round)).subscribe();
            AtomicBoolean presentAtTheEnd = new AtomicBoolean(true);
            StepVerifier.create(reader.receive()
                            .doOnComplete(() -> presentAtTheEnd.set(Files.exists(path, LinkOption.NOFOLLOW_LINKS))))
                    .expectNext("round " + round)
                    .expectComplete()
                    .verify(LIMIT);
            // a removal left to after the end could unlink the next round's FIFO, which the next
            // reader, opening the same path as soon as it hears of the end, would already hold
            assertThat(presentAtTheEnd).as("the FIFO still there when round " + round + " ended").isFalse();
            assertThat(reader.isDisposed()).isTrue();
            assertThat(reader.onDispose().block(LIMIT)).isNull();
        }
    }

    @Test
    @DisplayName("a cat-like reader waits for its first writer, then ends when the last one closes")
    void catLikeWaitsThenEnds() {
        FifoSpec<String> spec = Fifo.at(dir.resolve("cat")).codec(Codec.utf8());
        StepVerifier.create(spec.receive(), 10)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(150)) // no writer yet: no premature end of file
                .then(() -> spec.send(Flux.just("Hello IPC")).subscribe())
                .expectNext("Hello IPC")
                .expectComplete()
                .verify(LIMIT);
    }

    @Test
    @DisplayName("a writer waits for a reader without failing, and connects when one opens")
    void writerWaitsForReader() {
        FifoSpec<String> spec = Fifo.at(dir.resolve("late")).codec(Codec.utf8());
        StepVerifier.create(spec.send(Flux.just("late hello")))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(150))
                .then(() -> opened.add(spec.receive().take(1).subscribe()))
                .expectComplete()
                .verify(LIMIT);
    }

    @Test
    @DisplayName("a writer told to fail fast gets ENXIO when no reader exists")
    void failFast() {
        FifoSpec<String> spec = Fifo.at(dir.resolve("nobody")).codec(Codec.utf8()).waitForReader(false)
                .removeOnDispose(true);
        StepVerifier.create(spec.openWriter())
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(IpcException.class).hasMessageContaining("ENXIO");
                    assertThat(((IpcException) e).errnoName()).isEqualTo("ENXIO");
                })
                .verify(LIMIT);
        assertThat(dir.resolve("nobody")).as("created, then removed again").doesNotExist();
    }

    @Test
    @DisplayName("cancelling a writer that waits for a reader releases its descriptor")
    void cancelWaitingWriter() throws Exception {
        Path p = dir.resolve("cancelled");
        StepVerifier.create(Fifo.at(p).openWriter())
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(100))
                .thenCancel()
                .verify(LIMIT);
        assertThat(OpenDescriptors.pointingAt(p)).isZero();
    }

    @Test
    @DisplayName("a reader that goes away fails the writer with EPIPE, and the JVM lives on")
    void epipe() {
        FifoSpec<byte[]> spec = Fifo.at(dir.resolve("gone")).framing(Framing.raw());
        FifoReader<byte[]> reader = keep(spec.openReader().block(LIMIT));
        FifoWriter<byte[]> writer = keep(spec.openWriter().block(LIMIT));
        StepVerifier.create(writer.send(Flux.interval(Duration.ofMillis(1)).map(i -> new byte[512])))
                .expectSubscription()
                .then(reader::dispose)
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(IpcException.class).hasMessageContaining("EPIPE");
                    assertThat(((IpcException) e).errnoName()).isEqualTo("EPIPE");
                })
                .verify(LIMIT);
    }

    @Test
    @DisplayName("on a shared FIFO a frame above PIPE_BUF is refused before any of it is written")
    void sharedRefusesLargeFrames() {
        FifoSpec<byte[]> spec = Fifo.at(dir.resolve("shared")).framing(Framing.lengthPrefixed(1 << 20));
        FifoReader<byte[]> reader = keep(spec.openReader().block(LIMIT));
        FifoWriter<byte[]> writer = keep(spec.openWriter().block(LIMIT));
        writer.send(Flux.just(new byte[Fifo.PIPE_BUF - 4])).block(LIMIT); // exactly PIPE_BUF with its prefix
        StepVerifier.create(writer.send(Flux.just(new byte[Fifo.PIPE_BUF - 3])))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(FrameTooLargeException.class)
                        .hasMessageContaining("limit=4096").hasMessageContaining("size=4097")
                        .hasMessageContaining("on FIFO " + dir.resolve("shared")))
                .verify(LIMIT);
        writer.dispose();
        StepVerifier.create(reader.receive().map(f -> f.length))
                .expectNext(Fifo.PIPE_BUF - 4)
                .expectComplete()
                .verify(LIMIT);
    }

    @Test
    @DisplayName("a declared single writer may send frames above PIPE_BUF")
    void singleWriterLargeFrames() {
        FifoSpec<byte[]> spec = Fifo.at(dir.resolve("single")).framing(Framing.lengthPrefixed(1 << 20)).singleWriter(true);
        FifoReader<byte[]> reader = keep(spec.openReader().block(LIMIT));
        StepVerifier.create(reader.receive().map(f -> f.length), 0)
                .expectSubscription()
                .then(() -> spec.send(Flux.just(new byte[200_000], new byte[5])).subscribe())
                .thenRequest(2)
                .expectNext(200_000, 5)
                .thenRequest(1) // the end of file is read, like any byte, only with demand
                .expectComplete()
                .verify(LIMIT);
    }

    @Test
    @DisplayName("many frames from three writers in this JVM arrive whole and in each writer's order")
    void threeWritersInterleaveOnlyAtFrames() {
        FifoSpec<String> spec = Fifo.at(dir.resolve("three")).codec(Codec.utf8()).framing(Framing.lines(4000));
        FifoReader<String> reader = keep(spec.openReader().block(LIMIT));
        int per = 2000;
        String pad = "x".repeat(1500);
        Flux<Void> writers = Flux.range(0, 3).flatMap(w -> spec.send(Flux.range(0, per).map(i -> w + ":" + i + ":" + pad)));
        List<String> got = new ArrayList<>();
        StepVerifier.create(reader.receive().doOnNext(got::add).doOnSubscribe(s -> writers.subscribe()), 0)
                .thenRequest(Long.MAX_VALUE)
                .expectNextCount(3L * per)
                .expectComplete()
                .verify(LIMIT);
        int[] next = new int[3];
        for (String frame : got) {
            String[] parts = frame.split(":");
            assertThat(parts[2]).isEqualTo(pad);
            int w = Integer.parseInt(parts[0]);
            assertThat(Integer.parseInt(parts[1])).isEqualTo(next[w]++);
        }
    }

    @Test
    @DisplayName("a second receive() on one reader fails without disturbing the first")
    void oneReceive() {
        FifoSpec<String> spec = Fifo.at(dir.resolve("once")).codec(Codec.utf8());
        FifoReader<String> reader = keep(spec.openReader().block(LIMIT));
        StepVerifier.create(reader.receive(), 0)
                .expectSubscription()
                .then(() -> StepVerifier.create(reader.receive()).expectError(IllegalStateException.class).verify(LIMIT))
                .then(() -> spec.send(Flux.just("still here")).block(LIMIT))
                .thenRequest(1)
                .expectNext("still here")
                .thenCancel()
                .verify(LIMIT);
    }

    @Test
    @DisplayName("a cat-like reader waits for its first writer, and ends when that writer closes without writing")
    void writerThatWritesNothingEndsTheStream() {
        FifoSpec<String> spec = Fifo.at(dir.resolve("silent")).codec(Codec.utf8());
        FifoReader<String> reader = keep(spec.openReader().block(LIMIT));
        StepVerifier.create(reader.receive())
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(100)) // no writer yet: not the end
                .then(() -> spec.openWriter().block(LIMIT).dispose())
                .expectComplete()
                .verify(LIMIT);
    }

    @Test
    @DisplayName("a reader holds one descriptor, read-only: no placeholder writer")
    void readerHoldsOneReadOnlyDescriptor() {
        Path path = dir.resolve("one-fd");
        FifoReader<byte[]> reader = keep(Fifo.at(path).openReader().block(LIMIT));
        assertThat(OpenDescriptors.pointingAt(path)).isEqualTo(1);
    }

    @Test
    @DisplayName("a line over the limit fails the reader with an error naming the FIFO's path")
    void oversizeNamesThePath() {
        Path path = dir.resolve("big-line");
        FifoSpec<String> spec = Fifo.at(path).codec(Codec.utf8()).framing(Framing.lines(4)).singleWriter(true);
        FifoReader<String> reader = keep(spec.openReader().block(LIMIT));
        Framing wide = Framing.lines(100);
        FifoWriter<String> writer = keep(spec.framing(wide).openWriter().block(LIMIT));
        writer.send(Flux.just("ok", "far too long")).block(LIMIT);
        StepVerifier.create(reader.receive())
                .expectNext("ok")
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(FrameTooLargeException.class)
                        .hasMessageContaining("FIFO " + path).hasMessageContaining("limit=4"))
                .verify(LIMIT);
    }

    @Test
    @DisplayName("a FIFO emitter writes whole frames until the FIFO is full, then FAIL_OVERFLOW; the reader gets exactly the emitted ones")
    void emitter() {
        FifoSpec<String> spec = Fifo.at(dir.resolve("emit")).codec(Codec.utf8());
        FifoReader<String> reader = keep(spec.openReader().block(LIMIT));
        FifoWriter<String> writer = keep(spec.openWriter().block(LIMIT));
        io.interflux.Emitter<String> out = writer.emitter();
        int ok = 0;
        while (ok < 999_999 && out.tryEmitNext(String.format("line %06d", ok)) == reactor.core.publisher.Sinks.EmitResult.OK) {
            ok++;
        }
        // the kernel fills page by page (16 pages of 4 KiB), and a small write does not straddle two
        assertThat(ok).as("12-byte lines in a full FIFO (64 KiB or more)").isGreaterThanOrEqualTo(16 * (4096 / 12)).isLessThan(999_999);
        assertThat(out.tryEmitNext("line 999999")).isEqualTo(reactor.core.publisher.Sinks.EmitResult.FAIL_OVERFLOW);
        writer.dispose();
        assertThat(out.tryEmitNext("line 999999")).isEqualTo(reactor.core.publisher.Sinks.EmitResult.FAIL_TERMINATED);
        AtomicLong received = new AtomicLong();
        StepVerifier.create(reader.receive())
                .thenConsumeWhile(line -> line.equals(String.format("line %06d", received.getAndIncrement())))
                .expectComplete()
                .verify(LIMIT);
        assertThat(received.get()).as("exactly the emitted lines, in order").isEqualTo(ok);
    }
}
