package io.interflux.it.mqueue;

import io.interflux.Codec;
import io.interflux.Creation;
import io.interflux.mqueue.PosixQueue;
import io.interflux.mqueue.SysVMessage;
import io.interflux.mqueue.SysVQueue;
import reactor.core.publisher.Flux;

import java.time.Duration;

/**
 * The child JVM of the queue integration tests, using Interflux itself:
 *
 * <pre>
 * posix-produce NAME COUNT     sends "0".."COUNT-1" (COUNT &lt; 0: forever), then exits
 * posix-consume NAME COUNT     prints COUNT messages, one per line, then exits
 * sysv-consume  ID TYPE COUNT  prints COUNT messages of TYPE as "type:text", then exits
 * </pre>
 *
 * It prints "ready" once its queue is open, so the parent knows when it is listening.
 */
public final class QueuePeer {

    static final Duration WAIT = Duration.ofSeconds(30);

    private QueuePeer() {
    }

    public static void main(String[] args) {
        switch (args[0]) {
            case "posix-produce": {
                PosixQueue q = PosixQueue.named(args[1]).creation(Creation.OPEN_EXISTING).openNow(WAIT);
                long count = Long.parseLong(args[2]);
                System.out.println("ready");
                Flux<Long> numbers = count < 0 ? Flux.generate(() -> 0L, (n, sink) -> {
                    sink.next(n);
                    return n + 1;
                }) : Flux.range(0, (int) count).map(Integer::longValue);
                q.send(numbers.map(n -> Long.toString(n)), Codec.utf8()).block();
                q.dispose();
                break;
            }
            case "posix-consume": {
                PosixQueue q = PosixQueue.named(args[1]).creation(Creation.OPEN_EXISTING).openNow(WAIT);
                System.out.println("ready");
                q.receive(Codec.utf8()).take(Long.parseLong(args[2])).doOnNext(System.out::println).then().block(WAIT);
                q.dispose();
                break;
            }
            case "sysv-consume": {
                SysVQueue q = SysVQueue.existing(Integer.parseInt(args[1])).openNow(WAIT);
                System.out.println("ready");
                q.receive(Long.parseLong(args[2])).take(Long.parseLong(args[3]))
                        .doOnNext(m -> System.out.println(m.type() + ":" + m.decode(Codec.utf8())))
                        .then().block(WAIT);
                q.dispose();
                break;
            }
            default:
                throw new IllegalArgumentException("unknown mode " + args[0]);
        }
        System.out.flush();
        System.exit(0);
    }

    static SysVMessage text(long type, String s) {
        return SysVMessage.of(s, Codec.utf8(), type);
    }
}
