package io.interflux.benchmarks.kill;

import io.interflux.Codec;
import io.interflux.Creation;
import io.interflux.mqueue.PosixQueue;
import io.interflux.mqueue.SysVQueue;
import reactor.core.publisher.Mono;

/**
 * A process killed while it sends messages into a queue this JVM created and receives from, POSIX
 * ({@code mq_send}) or System V ({@code msgsnd}, type 1). The queue outlives its writer, so the
 * receive goes on: after the death this JVM sends the {@link Sequence#END} marker into the queue,
 * and its arrival, after every message the victim put in, is the receive's reaction.
 */
final class QueueKill extends ProducerScenario {

    /** Small, so that a held-back receiver has the victim blocked on a full queue. */
    static final int MAX_MESSAGES = 10;
    static final int MAX_MESSAGE_SIZE = 32;

    private final boolean posix;

    QueueKill(boolean posix) {
        this.posix = posix;
    }

    @Override
    Side open(Kill kill) {
        if (posix) {
            PosixQueue queue = PosixQueue.named(kill.name("mq")).creation(Creation.CREATE_NEW)
                    .maxMessages(MAX_MESSAGES).maxMessageSize(MAX_MESSAGE_SIZE).openNow(START);
            Side side = new Side() {
                @Override
                Mono<Void> marker() {
                    return queue.send(Mono.just(Sequence.END), Codec.utf8());
                }
            };
            kill.track(queue);
            side.victim = kill.victim(kill.victims.python(kill, queue.name()));
            side.values = queue.receive(Codec.utf8());
            return side;
        }
        SysVQueue queue = SysVQueue.privateQueue().maxMessageSize(MAX_MESSAGE_SIZE).openNow(START);
        kill.sysv("msg", queue.id());
        Side side = new Side() {
            @Override
            Mono<Void> marker() {
                return queue.send(Mono.just(Sequence.END), Codec.utf8(), 1);
            }
        };
        kill.track(queue);
        side.victim = kill.victim(kill.victims.python(kill, Integer.toString(queue.id())));
        side.values = queue.receive(1, Codec.utf8());
        return side;
    }
}
