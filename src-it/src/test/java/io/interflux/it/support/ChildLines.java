package io.interflux.it.support;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.pipe.ChildProcess;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.TimeUnit;

/**
 * The stdout lines of a child, queued as they come, read by a test with a bounded wait.
 *
 * <pre>{@code
 * ChildLines lines = os.track(new ChildLines(child));
 * assertThat(lines.next(WAIT)).isEqualTo("ready");
 * }</pre>
 *
 * The end of the output is queued as {@code <eof>}, a failure of the stream as {@code <error ...>}.
 */
public final class ChildLines implements Disposable {

    /**
     * Lock-free on the adding side: lines are added on the event loop, where BlockHound fails a
     * thread that parks, and a {@code LinkedBlockingQueue} parks the adder whenever the test's
     * thread holds its take lock (waking from a poll), which failed the stream now and then.
     */
    private final BlockingQueue<String> lines = new LinkedTransferQueue<>();
    private final Disposable subscription;
    private final ChildProcess child;

    /** Starts reading the stdout of {@code child}. */
    public ChildLines(ChildProcess child) {
        this.child = child;
        this.subscription = child.stdout(Framing.lines(), Codec.utf8())
                .concatWith(Flux.just("<eof>"))
                .subscribe(lines::add, e -> lines.add("<error " + e + ">"));
    }

    /** The next line, failing when none comes within {@code wait}. */
    public String next(Duration wait) throws InterruptedException {
        String line = lines.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        if (line == null) {
            throw new AssertionError("no line from " + child + " within " + wait);
        }
        return line;
    }

    /**
     * Watches the child say nothing for {@code wait}, failing with the line it prints if it does:
     * for a test that observes a quiet child for a while (an idle peer's CPU time, for instance).
     */
    public void expectNone(Duration wait) throws InterruptedException {
        String line = lines.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        if (line != null) {
            throw new AssertionError(child + " printed '" + line + "' where nothing was expected for " + wait);
        }
    }

    /** Skips lines until one starts with {@code prefix}, and returns it. */
    public String awaitStartingWith(String prefix, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        for (;;) {
            long left = deadline - System.nanoTime();
            String line = lines.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("no line starting with '" + prefix + "' from " + child + " within " + wait);
            }
            if (line.startsWith(prefix)) {
                return line;
            }
            if (line.equals("<eof>") || line.startsWith("<error")) {
                throw new AssertionError(child + " ended before a line starting with '" + prefix + "': " + line);
            }
        }
    }

    @Override
    public void dispose() {
        subscription.dispose();
    }
}
