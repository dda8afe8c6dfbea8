package io.interflux.shm;

import io.interflux.Codec;
import io.interflux.Creation;
import io.interflux.testkit.TransportConformance;
import io.interflux.testkit.TransportUnderTest;
import org.junit.jupiter.api.DisplayName;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;

/**
 * The conformance suite over one shared ring opened twice: a consuming opening that creates it
 * and a producing opening that attaches to it, each with its own descriptors and locks, as two
 * processes would have.
 *
 * <p>A ring outlives its producers, as a queue does: the peer the suite kills is a child JVM
 * flooding the ring ({@link RingFlood}), and the inbound goes on after its death.
 */
@DisplayName("The shared ring transport")
class SharedRingConformanceTest extends TransportConformance {

    @Override
    protected TransportUnderTest transport() {
        return new TransportUnderTest() {
            @Override
            public String name() {
                return "shm";
            }

            @Override
            public Loopback open(int maxFrameSize) {
                return new RingLoopback(maxFrameSize);
            }
        };
    }

    static final class RingLoopback implements TransportUnderTest.Loopback {
        static final Duration WAIT = Duration.ofSeconds(10);
        final String name = RingNames.unique("tck");
        final SharedRing consumer;
        final SharedRing producer;

        RingLoopback(int maxFrameSize) {
            // an eighth of the capacity is the largest record: exactly maxFrameSize for a power of two
            int capacity = Math.max(RingDescriptor.MIN_CAPACITY, Integer.highestOneBit(maxFrameSize - 1) * 2 * 8);
            consumer = SharedRing.named(name).creation(Creation.CREATE_NEW).capacity(capacity).openNow(WAIT);
            SharedRing p = null;
            try {
                p = SharedRing.named(name).creation(Creation.OPEN_EXISTING).openNow(WAIT);
            } finally {
                if (p == null) {
                    consumer.dispose();
                }
            }
            producer = p;
        }

        @Override
        public Flux<byte[]> inbound() {
            return consumer.receive(Codec.bytes());
        }

        @Override
        public Mono<Void> send(Publisher<byte[]> frames) {
            return producer.send(frames, Codec.bytes());
        }

        @Override
        public Mono<Void> sendOversize(int size) {
            return producer.send(Mono.just(new byte[size]), Codec.bytes());
        }

        @Override
        public long inFlightBoundBytes(int frameSize) {
            return consumer.capacity() + (long) (SharedRing.SEND_PREFETCH + 1) * frameSize;
        }

        @Override
        public ProcessHandle startPeer() throws java.io.IOException {
            return RingFlood.start(name);
        }

        @Override
        public boolean endsWhenPeerDies() {
            return false; // the ring outlives its producers: the consumer waits for the next
        }

        @Override
        public boolean namedObjectExists() {
            return RingNames.exists(name);
        }

        @Override
        public void close() {
            try {
                producer.dispose();
                consumer.dispose();
                producer.onDispose().block(WAIT);
                consumer.onDispose().block(WAIT);
            } finally {
                RingNames.remove(name);
            }
        }
    }
}
