package io.interflux.examples.tour;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.ProcessPipeline;
import io.interflux.pipe.Stdio;
import reactor.core.publisher.Flux;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Anonymous pipes: a shell pipeline, a producer/consumer child, and measured figures. */
final class PipeChapter implements Chapter {

    private static final Duration LIMIT = Duration.ofSeconds(30);

    @Override
    public String title() {
        return "Anonymous pipes to child processes";
    }

    @Override
    public Row run(PrintStream out) throws Exception {
        Path dir = Files.createTempDirectory("interflux-tour");
        try {
            for (String f : List.of("python3", "notes.txt", "python-guide.md", "java")) {
                Files.createFile(dir.resolve(f));
            }
            ProcessPipeline ls = ProcessPipeline.start(
                    ChildProcess.command("ls").directory(dir),
                    ChildProcess.command("grep", "python")).block(LIMIT);
            List<String> found = ls.last().stdout(Framing.lines(), Codec.utf8()).collectList().block(LIMIT);
            ls.dispose();
            out.println("   ls | grep python, joined by a kernel pipe (no byte through the JVM): " + found);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }

        ChildProcess worker = ChildProcess.command("sh", "-c", "while read task; do echo \"done $task\"; done")
                .start().block(LIMIT);
        try {
            List<String> replies = worker.sendAndClose(Flux.just("task_1", "task_2", "task_3", "DONE"),
                            Framing.lines(), Codec.utf8())
                    .thenMany(Flux.<String>empty())
                    .mergeWith(worker.stdout(Framing.lines(), Codec.utf8()))
                    .collectList().block(LIMIT);
            out.println("   producer/consumer with a shell worker: sent task_1..DONE, got back " + replies);
        } finally {
            worker.dispose();
        }

        long bytes = 1L << 30;
        ChildProcess zero = ChildProcess.command("head", "-c", Long.toString(bytes), "/dev/zero")
                .stderr(Stdio.discard()).start().block(LIMIT);
        AtomicLong received = new AtomicLong();
        long t0 = System.nanoTime();
        zero.stdout().doOnNext(chunk -> received.addAndGet(chunk.length)).then().block(LIMIT);
        double seconds = (System.nanoTime() - t0) / 1e9;
        zero.dispose();
        double mbPerS = received.get() / 1e6 / seconds;
        out.printf("   streamed %d MiB from head -c through stdout in %.2f s: %.0f MB/s%n",
                received.get() >> 20, seconds, mbPerS);

        double p50 = pingPongMedianMicros(2000);
        out.printf("   64-byte ping-pong through cat (stdin -> stdout), 2000 round trips: p50 %.1f us%n", p50);
        return new Row("anonymous pipe", String.format("%.0f MB/s", mbPerS), String.format("%.0f us p50 RTT", p50),
                "byte stream (chunks, lines, frames)", "one-way (pair for duplex)", "parent <-> child processes, shell pipelines");
    }

    /** Round trips through cat: each reply triggers the next frame, timed one by one. */
    static double pingPongMedianMicros(int count) {
        ChildProcess cat = ChildProcess.command("cat").start().block(LIMIT);
        try {
            // the send ends when the chapter disposes cat; that cancellation is expected
            return RoundTrips.medianMicros(pings -> cat.send(pings, Framing.lengthPrefixed(1024)),
                    cat.stdout(Framing.lengthPrefixed(1024)), count);
        } finally {
            cat.dispose();
        }
    }
}
