package io.interflux.mqueue;

import io.interflux.Codec;
import io.interflux.testkit.tck.IpcPublisherVerification;
import org.reactivestreams.Publisher;
import org.testng.SkipException;
import org.testng.annotations.Test;

import java.time.Duration;

/**
 * The Reactive Streams TCK on a System V queue's receive ({@link SysVQueue#receive(long)}, any
 * type). A second opening of the same queue ({@link SysVQueue#existing(int)}, as another process
 * would have it) sends N messages; a queue's receive ends only when its opening is disposed, so
 * the consumer opening is disposed (removing the queue) as the N-th message passes to the
 * subscriber (see {@code disposingAfter}): the stream must then complete. The failed publisher is
 * the receive of a disposed queue: a subscription, then the {@link io.interflux.DisposedException}.
 *
 * <p>Skipped: the {@code untested_} rules (the TCK has no test for them), and the optional
 * multicast rules 1.11 (below: a queue gives each message to one of its receivers).
 */
public class SysVQueueReceiveTckTest extends IpcPublisherVerification<SysVMessage> {

    private static final Duration OPEN = Duration.ofSeconds(10);

    @Override
    public Publisher<SysVMessage> createPublisher(long elements) {
        SysVQueue consumer = opened(SysVQueue.privateQueue().openNow(OPEN));
        SysVQueue producer = opened(SysVQueue.existing(consumer.id()).openNow(OPEN));
        opened(producer.send(numbers(elements).map(i -> SysVMessage.of(String.valueOf(i), Codec.utf8(), 1 + i % 3)))
                .subscribe(done -> { }, removed -> { }));
        return disposingAfter(elements, consumer, consumer.receive(0));
    }

    @Override
    public Publisher<SysVMessage> createFailedPublisher() {
        SysVQueue queue = SysVQueue.privateQueue().openNow(OPEN);
        queue.disposeNow(OPEN);
        return queue.receive(0);
    }

    private static SkipException unicast() {
        return new SkipException("a System V queue gives each message to one receiver (several receivers compete,"
                + " as processes do): rule 1.11's multicast is not what it offers");
    }

    @Override
    @Test
    public void optional_spec111_multicast_mustProduceTheSameElementsInTheSameSequenceToAllOfItsSubscribersWhenRequestingOneByOne() {
        throw unicast();
    }

    @Override
    @Test
    public void optional_spec111_multicast_mustProduceTheSameElementsInTheSameSequenceToAllOfItsSubscribersWhenRequestingManyUpfront() {
        throw unicast();
    }

    @Override
    @Test
    public void optional_spec111_multicast_mustProduceTheSameElementsInTheSameSequenceToAllOfItsSubscribersWhenRequestingManyUpfrontAndCompleteAsExpected() {
        throw unicast();
    }
}
