package io.interflux.mqueue;

import io.interflux.Codec;
import io.interflux.testkit.tck.IpcSubscriberVerification;
import org.reactivestreams.Publisher;
import org.testng.annotations.Test;
import reactor.core.publisher.Mono;

import java.time.Duration;

/**
 * The Reactive Streams TCK on the subscriber {@link PosixQueue#send(Publisher)} puts on its
 * publisher (core's send drain): a receive on the queue takes what it sends, and the TCK plays
 * the publisher.
 *
 * <p>Skipped: the {@code untested_} rules, which a black-box verification cannot check (by the
 * TCK).
 */
public class PosixQueueSendTckTest extends IpcSubscriberVerification<PosixMessage> {

    private static final Duration OPEN = Duration.ofSeconds(10);

    @Override
    protected Mono<Void> send(Publisher<PosixMessage> values) {
        PosixQueue queue = opened(PosixQueue.named(QueueNames.unique("tck")).maxMessages(QueueNames.messages(10))
                .maxMessageSize(64).openNow(OPEN));
        opened(queue.receive().subscribe(message -> { }, error -> { }));
        return queue.send(values);
    }

    @Override
    public PosixMessage createElement(int element) {
        return PosixMessage.of("element " + element, Codec.utf8(), element % 3);
    }
}
