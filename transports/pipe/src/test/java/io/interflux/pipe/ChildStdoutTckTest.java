package io.interflux.pipe;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.testkit.tck.IpcPublisherVerification;
import org.reactivestreams.Publisher;
import org.testng.annotations.Test;

import java.time.Duration;
import java.util.List;

/**
 * The Reactive Streams TCK on a child's stdout ({@link ChildProcess#stdout(Framing, Codec)}): a
 * {@code seq 1 N} child writes N lines, as far ahead into the pipe as the kernel lets it, and the
 * stream must deliver exactly N, then complete when the child's end closes; {@code yes} stands for
 * the unbounded stream. The failed publisher is the stdout of a disposed child: it must hand out a
 * subscription, then signal the {@link io.interflux.DisposedException}.
 *
 * <p>Skipped, by the TCK: the {@code untested_} rules (it has no test for them) and the optional
 * multi-subscriber rules 1.11: a child's stdout is read by one subscriber, once (a second one gets
 * {@code onError}, as rule 1.9 allows).
 */
public class ChildStdoutTckTest extends IpcPublisherVerification<String> {

    private static final Duration START = Duration.ofSeconds(10);

    @Override
    public Publisher<String> createPublisher(long elements) {
        List<String> argv = elements == Long.MAX_VALUE ? List.of("yes", "line")
                : List.of("seq", "1", Long.toString(elements));
        ChildProcess child = opened(ChildProcess.command(argv).startNow(START));
        return child.stdout(Framing.lines(), Codec.utf8());
    }

    @Override
    public Publisher<String> createFailedPublisher() {
        ChildProcess child = ChildProcess.command("true").startNow(START);
        child.disposeNow(START);
        return child.stdout(Framing.lines(), Codec.utf8());
    }
}
