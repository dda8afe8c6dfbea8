package io.interflux.mqueue;

import io.interflux.Codec;
import io.interflux.testkit.tck.IpcSubscriberVerification;
import org.reactivestreams.Publisher;
import org.testng.annotations.Test;
import reactor.core.publisher.Mono;

import java.time.Duration;

/**
 * The Reactive Streams TCK on the subscriber {@link SysVQueue#send(Publisher)} puts on its
 * publisher (core's send drain, retrying a full queue on a timer): a receive on the queue takes
 * what it sends, and the TCK plays the publisher.
 *
 * <p>Skipped: the {@code untested_} rules, which a black-box verification cannot check (by the
 * TCK).
 */
public class SysVQueueSendTckTest extends IpcSubscriberVerification<SysVMessage> {

    private static final Duration OPEN = Duration.ofSeconds(10);

    @Override
    protected Mono<Void> send(Publisher<SysVMessage> values) {
        SysVQueue queue = opened(SysVQueue.privateQueue().openNow(OPEN));
        opened(queue.receive(0).subscribe(message -> { }, error -> { }));
        return queue.send(values);
    }

    @Override
    public SysVMessage createElement(int element) {
        return SysVMessage.of("element " + element, Codec.utf8(), 1 + element % 3);
    }
}
