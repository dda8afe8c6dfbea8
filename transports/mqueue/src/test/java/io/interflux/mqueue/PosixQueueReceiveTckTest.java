package io.interflux.mqueue;

import io.interflux.Access;
import io.interflux.Codec;
import io.interflux.Creation;
import io.interflux.testkit.tck.IpcPublisherVerification;
import org.reactivestreams.Publisher;
import org.testng.SkipException;
import org.testng.annotations.Test;

import java.time.Duration;

/**
 * The Reactive Streams TCK on a POSIX queue's receive ({@link PosixQueue#receive()}). A producer
 * opening of the same queue (as another process would have) sends N messages, held back by the
 * queue's ten slots until the receive takes them. A queue's receive ends only when its opening is
 * disposed, so the consumer opening is disposed as the N-th message passes to the subscriber
 * (see {@code disposingAfter}): the stream must then complete. The failed publisher is the
 * receive of a disposed queue: a subscription, then the {@link io.interflux.DisposedException}.
 *
 * <p>Skipped: the {@code untested_} rules (the TCK has no test for them), and the optional
 * multicast rules 1.11 (below: a queue gives each message to one of its receivers).
 */
public class PosixQueueReceiveTckTest extends IpcPublisherVerification<PosixMessage> {

    private static final Duration OPEN = Duration.ofSeconds(10);

    @Override
    public Publisher<PosixMessage> createPublisher(long elements) {
        String name = QueueNames.unique("tck");
        PosixQueue consumer = opened(PosixQueue.named(name).creation(Creation.CREATE_NEW)
                .maxMessages(QueueNames.messages(10)).maxMessageSize(64).openNow(OPEN));
        PosixQueue producer = opened(PosixQueue.named(name).creation(Creation.OPEN_EXISTING)
                .access(Access.SEND).openNow(OPEN));
        opened(producer.send(numbers(elements).map(i -> PosixMessage.of(String.valueOf(i), Codec.utf8(), 0)))
                .subscribe(done -> { }, disposed -> { }));
        return disposingAfter(elements, consumer, consumer.receive());
    }

    @Override
    public Publisher<PosixMessage> createFailedPublisher() {
        PosixQueue queue = PosixQueue.named(QueueNames.unique("tck-disposed")).maxMessages(QueueNames.messages(10))
                .maxMessageSize(64).openNow(OPEN);
        queue.disposeNow(OPEN);
        return queue.receive();
    }

    private static SkipException unicast() {
        return new SkipException("a POSIX queue gives each message to one receiver (several receivers compete,"
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
