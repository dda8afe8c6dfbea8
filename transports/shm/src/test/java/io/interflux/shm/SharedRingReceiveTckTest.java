package io.interflux.shm;

import io.interflux.Codec;
import io.interflux.Creation;
import io.interflux.testkit.tck.IpcPublisherVerification;
import org.reactivestreams.Publisher;
import org.testng.SkipException;
import org.testng.annotations.Test;

import java.time.Duration;

/**
 * The Reactive Streams TCK on a shared ring's receive ({@link SharedRing#receive()}). A producer
 * opening of the same ring (as another process would have it) sends N records into a 4 KiB ring,
 * held back while it is full; a ring's receive ends only when its opening is disposed, so the
 * consumer opening is disposed as the N-th record passes to the subscriber (see
 * {@code disposingAfter}): the stream must then complete. The failed publisher is the receive of a
 * disposed ring: a subscription, then the {@link io.interflux.DisposedException}.
 *
 * <p>Skipped: the {@code untested_} rules (the TCK has no test for them), and the optional
 * multi-subscriber rules 1.11 (below: a ring has one consumer at a time, in all processes).
 * {@code optional_spec111_maySupportMultiSubscribe} runs: a second receive is refused with
 * {@code onError}, as rule 1.9 allows.
 */
public class SharedRingReceiveTckTest extends IpcPublisherVerification<RingMessage> {

    private static final Duration OPEN = Duration.ofSeconds(10);

    @Override
    public Publisher<RingMessage> createPublisher(long elements) {
        String name = RingNames.unique("tck");
        afterTest(() -> RingNames.remove(name)); // the safety net, after both openings are disposed
        SharedRing consumer = opened(SharedRing.named(name).creation(Creation.CREATE_NEW).capacity(4096).openNow(OPEN));
        SharedRing producer = opened(SharedRing.named(name).creation(Creation.OPEN_EXISTING).openNow(OPEN));
        opened(producer.send(numbers(elements).map(i -> RingMessage.of(String.valueOf(i), Codec.utf8(), 1)))
                .subscribe(done -> { }, disposed -> { }));
        return disposingAfter(elements, consumer, consumer.receive());
    }

    @Override
    public Publisher<RingMessage> createFailedPublisher() {
        String name = RingNames.unique("tck-disposed");
        afterTest(() -> RingNames.remove(name));
        SharedRing ring = SharedRing.named(name).capacity(4096).openNow(OPEN);
        ring.disposeNow(OPEN);
        return ring.receive();
    }

    private static SkipException oneConsumer() {
        return new SkipException("a ring has one consumer at a time, in all processes: a second receive waits"
                + " up to 100 ms for the first to end, then is refused with onError (rule 1.9), so rule 1.11's"
                + " several subscribers never all receive");
    }

    @Override
    @Test
    public void optional_spec111_registeredSubscribersMustReceiveOnNextOrOnCompleteSignals() {
        throw oneConsumer();
    }

    @Override
    @Test
    public void optional_spec111_multicast_mustProduceTheSameElementsInTheSameSequenceToAllOfItsSubscribersWhenRequestingOneByOne() {
        throw oneConsumer();
    }

    @Override
    @Test
    public void optional_spec111_multicast_mustProduceTheSameElementsInTheSameSequenceToAllOfItsSubscribersWhenRequestingManyUpfront() {
        throw oneConsumer();
    }

    @Override
    @Test
    public void optional_spec111_multicast_mustProduceTheSameElementsInTheSameSequenceToAllOfItsSubscribersWhenRequestingManyUpfrontAndCompleteAsExpected() {
        throw oneConsumer();
    }
}
