package io.interflux.pipe;

import io.interflux.Framing;
import io.interflux.testkit.tck.IpcSubscriberVerification;
import org.reactivestreams.Publisher;
import org.testng.annotations.Test;
import reactor.core.publisher.Mono;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The Reactive Streams TCK on the subscriber {@link ChildProcess#send(Publisher, Framing)} puts on
 * its publisher (core's send drain): a {@code cat} child with stdout to {@code /dev/null} reads
 * the lines, and the TCK plays the publisher.
 *
 * <p>Skipped: the {@code untested_} rules, which a black-box verification cannot check (by the
 * TCK).
 */
public class ChildStdinTckTest extends IpcSubscriberVerification<byte[]> {

    private static final Duration START = Duration.ofSeconds(10);

    @Override
    protected Mono<Void> send(Publisher<byte[]> values) {
        ChildProcess cat = opened(ChildProcess.command("cat").stdout(Stdio.discard()).startNow(START));
        return cat.send(values, Framing.lines());
    }

    @Override
    public byte[] createElement(int element) {
        return ("element " + element).getBytes(StandardCharsets.UTF_8);
    }
}
