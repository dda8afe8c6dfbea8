package io.interflux.fifo;

import io.interflux.Codec;
import io.interflux.testkit.tck.IpcPublisherVerification;
import org.reactivestreams.Publisher;
import org.testng.annotations.Test;

import java.time.Duration;

/**
 * The Reactive Streams TCK on a FIFO reader's stream ({@link FifoReader#receive()}): a writer of
 * this JVM sends N lines into the FIFO and closes it, and the stream must deliver exactly N, then
 * complete, as {@code cat} ends when the last writer leaves. The failed publisher is the stream of
 * a disposed reader: a subscription, then the {@link io.interflux.DisposedException}.
 *
 * <p>Skipped, by the TCK: the {@code untested_} rules, and the optional multi-subscriber rules
 * 1.11: a reader allows one {@code receive()} (a second one gets {@code onError}, as rule 1.9
 * allows).
 */
public class FifoReaderTckTest extends IpcPublisherVerification<String> {

    private static final Duration OPEN = Duration.ofSeconds(10);

    @Override
    public Publisher<String> createPublisher(long elements) {
        FifoSpec<String> spec = Fifo.at(temporaryDirectory().resolve("tck.fifo")).codec(Codec.utf8());
        FifoReader<String> reader = opened(spec.openReaderNow(OPEN));
        // the writer waits for the reader opened above, then sends and closes: the reader's end of stream
        opened(spec.send(numbers(elements).map(String::valueOf)).subscribe(done -> { }, writerGone -> { }));
        return reader.receive();
    }

    @Override
    public Publisher<String> createFailedPublisher() {
        FifoReader<String> reader = Fifo.at(temporaryDirectory().resolve("disposed.fifo")).codec(Codec.utf8())
                .openReaderNow(OPEN);
        reader.disposeNow(OPEN);
        return reader.receive();
    }
}
