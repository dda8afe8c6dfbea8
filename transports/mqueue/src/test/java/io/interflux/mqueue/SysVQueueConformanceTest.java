package io.interflux.mqueue;

import io.interflux.testkit.TransportConformance;
import io.interflux.testkit.TransportUnderTest;
import io.interflux.mqueue.internal.QueueCalls;
import org.junit.jupiter.api.DisplayName;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;

/**
 * The conformance suite over one private System V queue: a sending handle that creates it and a
 * receiving handle that opens it by id with the frame limit.
 *
 * <p>The peer the suite kills is a child JVM flooding the queue ({@link QueueFlood}); the queue
 * outlives it, so the inbound goes on. An oversize message is sent through a handle without the
 * limit, so the receiver meets it.
 */
@DisplayName("The System V queue transport")
class SysVQueueConformanceTest extends TransportConformance {

    @Override
    protected TransportUnderTest transport() {
        return new TransportUnderTest() {
            @Override
            public String name() {
                return "sysv-mq";
            }

            @Override
            public Loopback open(int maxFrameSize) {
                return new QueueLoopback(maxFrameSize);
            }
        };
    }

    static final class QueueLoopback implements TransportUnderTest.Loopback {
        static final Duration WAIT = Duration.ofSeconds(10);
        final SysVQueue sender;
        final SysVQueue receiver;

        QueueLoopback(int maxFrameSize) {
            sender = SysVQueue.privateQueue().maxMessageSize(maxFrameSize).openNow(WAIT);
            SysVQueue r = null;
            try {
                r = SysVQueue.existing(sender.id()).maxMessageSize(maxFrameSize).openNow(WAIT);
            } finally {
                if (r == null) {
                    sender.dispose();
                }
            }
            receiver = r;
        }

        @Override
        public Flux<byte[]> inbound() {
            return receiver.receive(0).map(SysVMessage::payload);
        }

        @Override
        public Mono<Void> send(Publisher<byte[]> frames) {
            return sender.send(Flux.from(frames).map(f -> SysVMessage.of(f, 1)));
        }

        @Override
        public Mono<Void> sendOversize(int size) {
            // through a handle without the limit, so the receiver meets the message
            return SysVQueue.existing(sender.id()).open()
                    .flatMap(q -> q.send(Mono.just(SysVMessage.of(new byte[size], 1)))
                            .doFinally(s -> q.dispose()));
        }

        @Override
        public long inFlightBoundBytes(int frameSize) {
            return sender.capacityBytes() + (long) SysVQueue.SEND_PREFETCH * frameSize;
        }

        @Override
        public ProcessHandle startPeer() throws java.io.IOException {
            return QueueFlood.start("sysv", String.valueOf(sender.id()));
        }

        @Override
        public boolean endsWhenPeerDies() {
            return false; // the queue outlives its senders: the receiver waits for the next
        }

        @Override
        public boolean namedObjectExists() {
            java.nio.ByteBuffer ds = java.nio.ByteBuffer.allocateDirect(QueueCalls.MSQID_DS_SIZE);
            return QueueCalls.lib().msgctl(sender.id(), QueueCalls.IPC_STAT, io.interflux.internal.Native.address(ds)) == 0;
        }

        @Override
        public void close() {
            try {
                receiver.dispose();
                sender.dispose();
                receiver.onDispose().block(WAIT);
                sender.onDispose().block(WAIT);
            } finally {
                QueueCalls.lib().msgctl(sender.id(), QueueCalls.IPC_RMID, 0);
            }
        }
    }
}
