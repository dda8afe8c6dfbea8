package io.interflux.mqueue;

import io.interflux.Creation;
import io.interflux.testkit.TransportConformance;
import io.interflux.testkit.TransportUnderTest;
import org.junit.jupiter.api.DisplayName;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;

/**
 * The conformance suite over one POSIX queue opened twice: a sending handle that creates it and
 * a receiving handle that opens it.
 *
 * <p>A POSIX queue has no notion of a dead peer: the kernel keeps it, and what is queued, when
 * every other process is gone, which is what a queue is for. So the peer the suite kills is a
 * child JVM flooding the queue ({@link QueueFlood}), and the inbound goes on after its death,
 * taking what the loopback's own sender puts in.
 */
@DisplayName("The POSIX queue transport")
class PosixQueueConformanceTest extends TransportConformance {

    @Override
    protected TransportUnderTest transport() {
        return new TransportUnderTest() {
            @Override
            public String name() {
                return "posix-mq";
            }

            @Override
            public Loopback open(int maxFrameSize) {
                return new QueueLoopback(maxFrameSize);
            }
        };
    }

    static final class QueueLoopback implements TransportUnderTest.Loopback {
        static final Duration WAIT = Duration.ofSeconds(10);
        final String name = QueueNames.unique("tck");
        final PosixQueue sender;
        final PosixQueue receiver;

        QueueLoopback(int maxFrameSize) {
            sender = PosixQueue.named(name).creation(Creation.CREATE_NEW).maxMessages(QueueNames.messages(10))
                    .maxMessageSize(maxFrameSize).openNow(WAIT);
            PosixQueue r = null;
            try {
                r = PosixQueue.named(name).creation(Creation.OPEN_EXISTING).openNow(WAIT);
            } finally {
                if (r == null) {
                    sender.dispose();
                }
            }
            receiver = r;
        }

        @Override
        public Flux<byte[]> inbound() {
            return receiver.receive().map(PosixMessage::payload);
        }

        @Override
        public Mono<Void> send(Publisher<byte[]> frames) {
            return sender.send(Flux.from(frames).map(PosixMessage::of));
        }

        @Override
        public Mono<Void> sendOversize(int size) {
            return sender.send(Mono.just(PosixMessage.of(new byte[size])));
        }

        @Override
        public long inFlightBoundBytes(int frameSize) {
            return (long) (sender.maxMessages() + PosixQueue.SEND_PREFETCH) * frameSize;
        }

        @Override
        public ProcessHandle startPeer() throws java.io.IOException {
            return QueueFlood.start("posix", name);
        }

        @Override
        public boolean endsWhenPeerDies() {
            return false; // the queue outlives its senders: the receiver waits for the next
        }

        @Override
        public boolean namedObjectExists() {
            return QueueNames.exists(name);
        }

        @Override
        public void close() {
            try {
                receiver.dispose();
                sender.dispose();
                receiver.onDispose().block(WAIT);
                sender.onDispose().block(WAIT);
            } finally {
                QueueNames.unlink(name);
            }
        }
    }
}
