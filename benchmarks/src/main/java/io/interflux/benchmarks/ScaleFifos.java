package io.interflux.benchmarks;

import io.interflux.Creation;
import io.interflux.Emitter;
import io.interflux.Framing;
import io.interflux.fifo.Fifo;
import io.interflux.fifo.FifoReader;
import io.interflux.fifo.FifoSpec;
import io.interflux.fifo.FifoWriter;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.util.function.Tuples;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code scale-fifo}: N FIFOs {@code d<i>} read by this JVM, each with an external writer, a
 * process of its own started by {@link ScaleBenchmark} before this JVM: {@code scale-stream C d<i> p<i>}
 * ({@code scale-stream.c}; without gcc {@code sh -c 'exec >d<i>; cat <p<i>; exec dd ...'}), which
 * echoes into {@code d<i>} the pings this JVM writes into the FIFO {@code p<i>} and, once this
 * JVM closes {@code p<i>}, streams its share. Both FIFOs exist before either side starts (the
 * benchmark makes them with {@code mkfifo}).
 *
 * <ul>
 *   <li>{@code interflux-default}: {@code Fifo.at(d).framing(Framing.raw()).openReader()},
 *       {@code receive()} of a {@code byte[]} per chunk; pings through a {@link FifoWriter}'s emitter;</li>
 *   <li>{@code interflux-in-place}: the same reader decoding each chunk's size in place ({@link ChunkSize});</li>
 *   <li>{@code jdk-thread-per-fifo}: a thread per FIFO opening a {@link FileInputStream} and reading
 *       it into its own 64 KiB array; pings written on a {@link FileOutputStream}.</li>
 * </ul>
 */
final class ScaleFifos {

    static final Duration LIMIT = Duration.ofSeconds(60);

    private ScaleFifos() {
    }

    static ScaleStreams create(String impl, ScaleWorkload workload, Path dir) {
        switch (impl) {
            case "interflux-default":
                return new Interflux(dir, workload.streams, false);
            case "interflux-in-place":
                return new Interflux(dir, workload.streams, true);
            case "jdk-thread-per-fifo":
                return new Jdk(dir, workload.streams);
            default:
                throw new IllegalArgumentException("unknown fifo implementation " + impl);
        }
    }

    /** The FIFO stream {@code i} is read from. */
    static Path data(Path dir, int i) {
        return dir.resolve("d" + i);
    }

    /** The FIFO stream {@code i}'s pings are written into. */
    static Path pings(Path dir, int i) {
        return dir.resolve("p" + i);
    }

    /** Interflux FIFO readers and writers on the shared event loop. */
    static final class Interflux implements ScaleStreams {
        private final Path dir;
        private final boolean inPlace;
        private final FifoReader<?>[] readers;
        private final Disposable[] reading;
        private final FifoWriter<?>[] writers;
        private final Emitter<byte[]>[] pings;

        @SuppressWarnings("unchecked")
        Interflux(Path dir, int n, boolean inPlace) {
            this.dir = dir;
            this.inPlace = inPlace;
            this.readers = new FifoReader[n];
            this.reading = new Disposable[n];
            this.writers = new FifoWriter[n];
            this.pings = new Emitter[n];
        }

        @Override
        public void open(ScaleMeter meter) {
            int n = readers.length;
            for (int i = 0; i < n; i++) {
                int s = i;
                FifoSpec<byte[]> spec = Fifo.at(data(dir, i)).creation(Creation.OPEN_EXISTING).framing(Framing.raw());
                if (inPlace) {
                    FifoReader<Integer> r = spec.codec(ChunkSize.INSTANCE).openReaderNow(LIMIT);
                    readers[i] = r;
                    reading[i] = r.receive().subscribe(size -> meter.received(s, size), e -> meter.failed(s, e), () -> meter.ended(s));
                } else {
                    FifoReader<byte[]> r = spec.openReaderNow(LIMIT);
                    readers[i] = r;
                    reading[i] = r.receive().subscribe(chunk -> meter.received(s, chunk.length), e -> meter.failed(s, e),
                            () -> meter.ended(s));
                }
            }
            // each writer waits on a timer for its cat to open the FIFO: all at once, not one after another
            Flux.range(0, n)
                    .flatMap(i -> Fifo.at(pings(dir, i)).creation(Creation.OPEN_EXISTING).framing(Framing.raw()).openWriter()
                            .map(w -> Tuples.of(i, w)), n)
                    .doOnNext(t -> {
                        writers[t.getT1()] = t.getT2();
                        pings[t.getT1()] = t.getT2().emitter();
                    })
                    .then().block(LIMIT);
        }

        @Override
        public boolean ping(int i, byte[] message) {
            Sinks.EmitResult r = pings[i].tryEmitNext(message);
            if (r == Sinks.EmitResult.FAIL_OVERFLOW) {
                return false;
            }
            if (r.isFailure()) {
                throw new IllegalStateException("ping on " + pings[i].describe() + ": " + r);
            }
            return true;
        }

        @Override
        public void stream() {
            for (FifoWriter<?> w : writers) {
                w.dispose(); // cat reads its end of stream and dd takes over
            }
        }

        @Override
        public void close() {
            for (int i = 0; i < readers.length; i++) {
                if (writers[i] != null) {
                    writers[i].dispose();
                }
                if (reading[i] != null) {
                    reading[i].dispose();
                }
                if (readers[i] != null) {
                    readers[i].dispose();
                }
            }
        }
    }

    /** A thread per FIFO, blocking in {@code open} and then in {@code read}. */
    static final class Jdk implements ScaleStreams {
        private final Path dir;
        private final FileOutputStream[] pings;

        Jdk(Path dir, int n) {
            this.dir = dir;
            this.pings = new FileOutputStream[n];
        }

        @Override
        public void open(ScaleMeter meter) throws IOException {
            for (int i = 0; i < pings.length; i++) {
                int s = i;
                Thread reader = new Thread(() -> {
                    byte[] buffer = new byte[64 * 1024];
                    try (InputStream in = new FileInputStream(data(dir, s).toFile())) {
                        for (int r; (r = in.read(buffer)) >= 0; ) {
                            meter.received(s, r);
                        }
                        meter.ended(s);
                    } catch (IOException | RuntimeException e) {
                        meter.failed(s, e);
                    }
                }, "fifo-" + i);
                reader.setDaemon(true);
                reader.start();
            }
            // each open returns once that stream's cat has the FIFO open for reading, which it does
            // once the reader above has opened d<i>: no order can deadlock
            for (int i = 0; i < pings.length; i++) {
                pings[i] = new FileOutputStream(pings(dir, i).toFile());
            }
        }

        @Override
        public boolean ping(int i, byte[] message) throws IOException {
            pings[i].write(message);
            return true;
        }

        @Override
        public void stream() throws IOException {
            for (FileOutputStream out : pings) {
                out.close();
            }
        }

        @Override
        public void close() throws IOException {
            for (FileOutputStream out : pings) {
                if (out != null) {
                    out.close();
                }
            }
        }
    }

    /**
     * The command that starts the N external writers in the background and waits for them, as
     * {@link ScaleBenchmark} runs it: {@code streamer} each, or the shell form when it is null.
     */
    static List<String> writersLauncher(Path dir, int n, long blocks, Path streamer) {
        String writer = streamer != null
                ? "\"$4\" \"$3\" \"$1/d$i\" \"$1/p$i\""
                : "sh -c 'exec >\"$1\"; cat <\"$2\"; exec dd if=/dev/zero bs=65536 count=\"$0\" status=none' "
                        + "\"$3\" \"$1/d$i\" \"$1/p$i\"";
        String script = "i=0; while [ \"$i\" -lt \"$2\" ]; do " + writer + " & i=$((i+1)); done; wait";
        return List.of("sh", "-c", script, "sh", dir.toString(), Integer.toString(n), Long.toString(blocks),
                streamer == null ? "-" : streamer.toString());
    }
}
