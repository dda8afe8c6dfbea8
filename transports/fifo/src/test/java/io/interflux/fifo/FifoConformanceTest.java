package io.interflux.fifo;

import io.interflux.Framing;
import io.interflux.testkit.TransportConformance;
import io.interflux.testkit.TransportUnderTest;
import org.junit.jupiter.api.DisplayName;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The conformance suite over one FIFO: an Interflux writer and an Interflux {@code cat}-like reader. */
@DisplayName("The FIFO transport")
class FifoConformanceTest extends TransportConformance {

    @Override
    protected TransportUnderTest transport() {
        return new FifoLoopback();
    }

    static final class FifoLoopback implements TransportUnderTest {

        @Override
        public String name() {
            return "fifo";
        }

        @Override
        public Loopback open(int maxFrameSize) throws Exception {
            Path dir = Files.createTempDirectory("interflux-fifo-tck");
            Path path = dir.resolve("loop");
            FifoSpec<byte[]> spec = Fifo.at(path).framing(Framing.lengthPrefixed(maxFrameSize)).removeOnDispose(true);
            FifoReader<byte[]> reader;
            FifoWriter<byte[]> writer;
            try {
                reader = spec.openReader().block(Duration.ofSeconds(5));
                writer = spec.openWriter().block(Duration.ofSeconds(5));
            } catch (RuntimeException | Error e) {
                // no loopback to close: leave nothing behind in /tmp
                Files.deleteIfExists(path);
                Files.delete(dir);
                throw e;
            }
            return new Loopback() {
                @Override
                public Flux<byte[]> inbound() {
                    return reader.receive();
                }

                @Override
                public Mono<Void> send(Publisher<byte[]> frames) {
                    return writer.send(frames);
                }

                @Override
                public Mono<Void> sendOversize(int size) {
                    // a second writer whose framing allows the size: the reader's limit must catch it
                    return Fifo.at(path).framing(Framing.lengthPrefixed(size)).send(Mono.just(new byte[size]));
                }

                @Override
                public long inFlightBoundBytes(int frameSize) {
                    long kernel = 64 * 1024;
                    long readBuffer = Math.max(FifoSpec.DEFAULT_BUFFER_SIZE, frameSize + 8);
                    long writeBuffer = Fifo.PIPE_BUF;
                    long prefetch = 256L * frameSize;
                    return kernel + readBuffer + writeBuffer + prefetch;
                }

                @Override
                public ProcessHandle startPeer() throws Exception {
                    // zeros: a stream of empty length-prefixed frames, as fast as cat writes
                    Process cat = new ProcessBuilder("sh", "-c", "exec cat /dev/zero > \"$0\"", path.toString())
                            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
                    // once cat holds the FIFO, our own writer leaves: the stream ends when cat dies
                    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                    while (!holds(cat.pid(), path)) {
                        if (System.nanoTime() > deadline || !cat.isAlive()) {
                            cat.destroyForcibly();
                            throw new AssertionError("cat did not open " + path);
                        }
                        Thread.onSpinWait();
                    }
                    writer.dispose();
                    return cat.toHandle();
                }

                /** Whether process {@code pid} has {@code fifo} open (its stdout, once sh has exec'd cat). */
                private boolean holds(long pid, Path fifo) {
                    try {
                        return Files.readSymbolicLink(Path.of("/proc/" + pid + "/fd/1")).equals(fifo);
                    } catch (java.io.IOException e) {
                        return false;
                    }
                }

                @Override
                public boolean namedObjectExists() {
                    return Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                }

                @Override
                public void close() throws Exception {
                    writer.dispose();
                    reader.dispose();
                    reader.onDispose().block(Duration.ofSeconds(5));
                    boolean left = Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                    Files.deleteIfExists(path);
                    Files.delete(dir);
                    if (left) {
                        throw new AssertionError("the FIFO " + path + " was still there after dispose");
                    }
                }
            };
        }
    }
}
