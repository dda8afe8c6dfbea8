package io.interflux.benchmarks.kill;

import io.interflux.Codec;
import io.interflux.Creation;
import io.interflux.Emitter;
import io.interflux.rpc.Payload;
import io.interflux.rpc.PipeRpc;
import io.interflux.rpc.RingRpc;
import io.interflux.rpc.Routes;
import io.interflux.rpc.Rpc;
import io.interflux.rpc.SocketRpc;
import io.interflux.shm.Permit;
import io.interflux.shm.SharedLong;
import io.interflux.shm.SharedRing;
import io.interflux.shm.SharedSemaphore;
import io.interflux.shm.SharedValues;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The kill campaign's victim JVM, for the mechanisms whose other end is Interflux's own protocol
 * (a ring's producer, a lock's holder, an RPC server), killed with {@code SIGKILL} at a random
 * point of its work:
 *
 * <pre>
 *   ring     DIR CTL I RING                 emits 0, 1, 2, ... into the ring, COUNT after each one taken
 *   lock     DIR CTL I LOCK                 takes the lock, moves 1 from FROM to TO (a short park between the two) with HELD set, gives it back, again
 *   rpc-pipe DIR CTL I                      serves "numbers" (0, 1, 2, ... as requested) over its stdin and stdout
 *   rpc-unix DIR CTL I PATH                 connects to the campaign's RPC server there and serves "numbers" to it
 *   rpc-ring DIR CTL I REQUESTS RESPONSES   serves "numbers" over the two rings
 * </pre>
 *
 * CTL is the run's control segment and I the kill's index, whose slice of it the victim uses (see
 * {@link Control}). It may be started ahead of its kill: it first warms up (loads the native layer
 * on a scratch segment in DIR), then waits for OBJECTS, opens its end, stores READY and, but for
 * the RPC servers over pipes, waits for GO. It ends when its parent does.
 */
public final class KillVictim {

    /** The route a victim serves. */
    static final String NUMBERS = "numbers";
    /** The capacity of every ring of the campaign: both ends must open it with the same one. */
    static final int RING_CAPACITY = 1 << 16;
    private static final Duration WAIT = Duration.ofSeconds(60);

    private KillVictim() {
    }

    public static void main(String[] args) {
        watchParent();
        String role = args[0];
        warmUp(Path.of(args[1]));
        Control ctl = Control.open(args[2], Integer.parseInt(args[3]));
        // a victim started ahead waits here through the kills before its own: gently
        if (ctl.awaitSet(Control.OBJECTS, Duration.ofSeconds(300), () -> true, TimeUnit.MILLISECONDS.toNanos(1)) == 0) {
            throw new IllegalStateException("the campaign did not create its objects within 300 s");
        }
        int pid = (int) ProcessHandle.current().pid();
        switch (role) {
            case "ring":
                ring(ctl, pid, args[4]);
                break;
            case "lock":
                lock(ctl, pid, args[4]);
                break;
            case "rpc-pipe":
                ctl.set(Control.READY, pid);
                Rpc.server(numbers(ctl)).bindNow(PipeRpc.standardStreams(), WAIT).onDispose().block();
                break;
            case "rpc-unix":
                ctl.set(Control.READY, pid);
                awaitGo(ctl);
                Rpc.client().routes(numbers(ctl)).connectNow(SocketRpc.unix(Path.of(args[4])), WAIT).onDispose().block();
                break;
            case "rpc-ring":
                ctl.set(Control.READY, pid);
                awaitGo(ctl);
                Rpc.server(numbers(ctl)).bindNow(RingRpc.serve(existingRing(args[4]), existingRing(args[5])), WAIT)
                        .onDispose().block();
                break;
            default:
                throw new IllegalArgumentException("unknown victim role " + role);
        }
        System.exit(0);
    }

    private static void ring(Control ctl, int pid, String name) {
        SharedRing ring = existingRing(name).openNow(WAIT);
        Emitter<String> out = ring.emitter(Codec.utf8(), 1);
        ctl.set(Control.READY, pid);
        awaitGo(ctl);
        for (long i = 0; ; ) {
            Sinks.EmitResult r = out.tryEmitNext(Long.toString(i));
            if (r.isSuccess()) {
                ctl.set(Control.COUNT, ++i);
            } else if (r == Sinks.EmitResult.FAIL_OVERFLOW) {
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(50)); // full: the consumer holds us back
            } else {
                throw new IllegalStateException("emit " + i + " into " + ring + ": " + r);
            }
        }
    }

    private static void lock(Control ctl, int pid, String name) {
        SharedSemaphore lock = SharedSemaphore.lock(name).creation(Creation.OPEN_EXISTING).openNow(WAIT);
        SharedLong from = ctl.value(Control.FROM);
        SharedLong to = ctl.value(Control.TO);
        ctl.set(Control.READY, pid);
        awaitGo(ctl);
        for (;;) {
            Permit p = lock.acquire().block(WAIT);
            // HELD brackets the transfer: while it is 1 the lock is surely held and FROM + TO may be one short
            ctl.set(Control.HELD, 1);
            from.set(from.get() - 1);
            // the work done under the lock, so that most kills fall inside the transfer, not in acquire or release
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(20));
            to.set(to.get() + 1);
            ctl.set(Control.HELD, 0);
            p.release();
        }
    }

    private static Routes numbers(Control ctl) {
        SharedLong count = ctl.value(Control.COUNT);
        return Routes.empty().requestStream(NUMBERS, request -> Flux.<Long, Long>generate(() -> 0L, (i, sink) -> {
                    sink.next(i);
                    return i + 1;
                })
                .doOnNext(i -> count.set(i + 1)) // produced: handed to the RPC layer, not yet written
                .map(i -> Payload.of(Long.toString(i))));
    }

    static io.interflux.shm.SharedRingSpec existingRing(String name) {
        return SharedRing.named(name).creation(Creation.OPEN_EXISTING).capacity(RING_CAPACITY);
    }

    /** Loads the native layer and the shared-memory classes before the kill needs them: the slow part of a start. */
    private static void warmUp(Path dir) {
        Path scratch = dir.resolve("warm-" + ProcessHandle.current().pid() + ".values");
        SharedValues.file(scratch).slots(1).openNow(WAIT).dispose();
    }

    private static void awaitGo(Control ctl) {
        if (ctl.awaitSet(Control.GO, WAIT, () -> true) == 0) {
            throw new IllegalStateException("no GO within " + WAIT);
        }
    }

    /** Never outlives the campaign: an orphan is re-parented, so its parent's pid changes. */
    private static void watchParent() {
        long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
        Thread t = new Thread(() -> {
            for (;;) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
                if (ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L) != parent) {
                    Runtime.getRuntime().halt(3);
                }
            }
        }, "victim-lifeline");
        t.setDaemon(true);
        t.start();
    }
}
