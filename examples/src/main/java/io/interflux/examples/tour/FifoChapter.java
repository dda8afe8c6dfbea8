package io.interflux.examples.tour;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.fifo.Fifo;
import io.interflux.fifo.FifoReader;
import io.interflux.fifo.FifoSpec;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.Stdio;
import reactor.core.publisher.Flux;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Named pipes: the shell's mkfifo/cat/echo exchange from both sides, then measured figures. */
final class FifoChapter implements Chapter {

    private static final Duration LIMIT = Duration.ofSeconds(30);

    @Override
    public String title() {
        return "Named pipes (FIFOs)";
    }

    @Override
    public Row run(PrintStream out) throws Exception {
        Path dir = Files.createTempDirectory("interflux-tour-fifo");
        try {
            Path pipe = dir.resolve("mypipe");
            // kept for the second exchange: the reader that creates it must not remove it
            FifoSpec<String> text = Fifo.at(pipe).codec(Codec.utf8()).removeOnDispose(false);
            FifoReader<String> reader = text.openReader().block(LIMIT);
            ChildProcess echo = ChildProcess.command("sh", "-c", "echo \"Hello IPC\" > \"$0\"", pipe.toString())
                    .stdin(Stdio.discard()).stdout(Stdio.discard()).start().block(LIMIT);
            List<String> got = reader.receive().collectList().block(LIMIT);
            echo.dispose();
            out.println("   echo \"Hello IPC\" > " + pipe.getFileName() + "  ->  Interflux read " + got);

            ChildProcess cat = ChildProcess.command("cat", pipe.toString()).stdin(Stdio.discard()).start().block(LIMIT);
            Fifo.at(pipe).codec(Codec.utf8()).send(Flux.just("Hello IPC", "from Interflux")).block(LIMIT);
            List<String> catted = cat.stdout(Framing.lines(), Codec.utf8()).collectList().block(LIMIT);
            cat.dispose();
            Files.deleteIfExists(pipe);
            out.println("   Interflux wrote, cat " + pipe.getFileName() + " printed " + catted);

            double mbPerS = throughput(dir.resolve("bulk"), 256L << 20);
            out.printf("   256 MiB in 64 KiB chunks through one FIFO: %.0f MB/s%n", mbPerS);
            double p50 = pingPongMedianMicros(dir.resolve("ping"), dir.resolve("pong"), 2000);
            out.printf("   64-byte ping-pong over two FIFOs, 2000 round trips: p50 %.1f us%n", p50);
            return new Row("named pipe (FIFO)", String.format("%.0f MB/s", mbPerS), String.format("%.0f us p50 RTT", p50),
                    "byte stream (lines, frames <= 4 KiB atomic)", "one-way (pair for duplex)",
                    "unrelated processes, shell tools, simple inboxes");
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Files.deleteIfExists(p);
                }
            }
            Files.delete(dir);
        }
    }

    static double throughput(Path path, long bytes) {
        FifoSpec<byte[]> raw = Fifo.at(path).framing(Framing.raw()).singleWriter(true).removeOnDispose(true);
        FifoReader<byte[]> reader = raw.openReader().block(LIMIT);
        byte[] chunk = new byte[64 * 1024];
        AtomicLong received = new AtomicLong();
        long t0 = System.nanoTime();
        raw.send(Flux.range(0, (int) (bytes / chunk.length)).map(i -> chunk)).subscribe();
        reader.receive().doOnNext(c -> received.addAndGet(c.length)).then().block(LIMIT);
        double seconds = (System.nanoTime() - t0) / 1e9;
        return received.get() / 1e6 / seconds;
    }

    /** An echo on the loop (ping FIFO in, pong FIFO out) and a pinger timing each round trip. */
    static double pingPongMedianMicros(Path ping, Path pong, int count) {
        FifoSpec<byte[]> pingSpec = Fifo.at(ping).framing(Framing.lengthPrefixed(1024)).removeOnDispose(true);
        FifoSpec<byte[]> pongSpec = Fifo.at(pong).framing(Framing.lengthPrefixed(1024)).removeOnDispose(true);
        FifoReader<byte[]> echoIn = pingSpec.openReader().block(LIMIT);
        FifoReader<byte[]> replies = pongSpec.openReader().block(LIMIT);
        var echoing = pongSpec.send(echoIn.receive()).subscribe(v -> { }, e -> { });
        try {
            return RoundTrips.medianMicros(pingSpec::send, replies.receive(), count);
        } finally {
            echoing.dispose();
            echoIn.dispose();
            replies.dispose();
        }
    }
}
