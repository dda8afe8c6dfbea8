package io.interflux.it.pipe;

import io.interflux.Framing;
import io.interflux.pipe.ChildProcess;

import java.time.Duration;

/**
 * Run in a child JVM with a small heap: reads {@code cat FILE} with
 * {@code Framing.lengthPrefixed(MAX)} and prints {@code frames=N bytes=B}. A reader that
 * allocated the maximum up front would die of {@link OutOfMemoryError} (exit 1 and a stack trace)
 * before the first frame.
 */
public final class LargeMaximumReader {

    private LargeMaximumReader() {
    }

    /** Arguments: the file of frames, the framing's maximum in bytes. */
    public static void main(String[] args) {
        Framing framing = Framing.lengthPrefixed(Integer.parseInt(args[1]));
        ChildProcess cat = ChildProcess.command("cat", args[0]).startNow(Duration.ofSeconds(20));
        long[] counts = new long[2];
        cat.stdout(framing)
                .doOnNext(frame -> {
                    counts[0]++;
                    counts[1] += frame.length;
                })
                .then(cat.succeeded())
                .block(Duration.ofSeconds(60));
        System.out.println("frames=" + counts[0] + " bytes=" + counts[1]);
        System.exit(0);
    }
}
