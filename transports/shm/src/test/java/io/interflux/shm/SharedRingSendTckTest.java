package io.interflux.shm;

import io.interflux.Codec;
import io.interflux.Creation;
import io.interflux.testkit.tck.IpcSubscriberVerification;
import org.reactivestreams.Publisher;
import org.testng.annotations.Test;
import reactor.core.publisher.Mono;

import java.time.Duration;

/**
 * The Reactive Streams TCK on the subscriber {@link SharedRing#send(Publisher)} puts on its
 * publisher (core's send drain over the ring's records): a consumer opening of the ring takes
 * what it sends, and the TCK plays the publisher.
 *
 * <p>Skipped: the {@code untested_} rules, which a black-box verification cannot check (by the
 * TCK).
 */
public class SharedRingSendTckTest extends IpcSubscriberVerification<RingMessage> {

    private static final Duration OPEN = Duration.ofSeconds(10);

    @Override
    protected Mono<Void> send(Publisher<RingMessage> values) {
        String name = RingNames.unique("tck");
        afterTest(() -> RingNames.remove(name));
        SharedRing consumer = opened(SharedRing.named(name).creation(Creation.CREATE_NEW).capacity(4096).openNow(OPEN));
        opened(consumer.receive().subscribe(record -> { }, error -> { }));
        SharedRing producer = opened(SharedRing.named(name).creation(Creation.OPEN_EXISTING).openNow(OPEN));
        return producer.send(values);
    }

    @Override
    public RingMessage createElement(int element) {
        return RingMessage.of("element " + element, Codec.utf8(), 1 + element % 3);
    }
}
