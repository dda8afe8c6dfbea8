package io.interflux.benchmarks.kill;

import io.interflux.Creation;
import io.interflux.pipe.ChildProcess;
import io.interflux.rpc.Payload;
import io.interflux.rpc.PipeRpc;
import io.interflux.rpc.RingRpc;
import io.interflux.rpc.Routes;
import io.interflux.rpc.Rpc;
import io.interflux.rpc.RpcConnection;
import io.interflux.rpc.RpcException;
import io.interflux.rpc.RpcServer;
import io.interflux.rpc.SocketRpc;
import io.interflux.shm.SharedRing;
import io.interflux.shm.SharedRingSpec;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A JVM answering this JVM's request/stream of numbers (0, 1, 2, ... as request-n allows) killed
 * mid-stream, over each of RPC's transports in turn: the child's pipes ({@link PipeRpc}), a Unix
 * socket (this JVM the server, the victim a client that serves the route), and a pair of shared
 * rings, whose dead peer only the keepalive lifetime reveals (1 s here; {@link RingRpc}). The
 * stream must fail with {@link RpcException} {@code CONNECTION_CLOSE} or {@code CONNECTION_ERROR}
 * within {@link #NOTICE}, never complete, after the numbers in order; the connection must end.
 * The victim counts what its handler produced, which runs ahead of what reached the kernel by
 * RPC's window and the transport's write buffers ({@link #UNSENT_BOUND}): that gap, produced by a
 * server that died before writing it, is reported as lost by design; a held-back stream must have
 * exactly what it requested.
 */
final class RpcKill implements Scenario {

    static final String MECHANISM = "rpc";
    static final String[] TRANSPORTS = {"pipe", "unix", "ring"};
    /** The ring transport's keepalive: its only way to learn of a dead peer. */
    static final Duration KEEPALIVE = Duration.ofMillis(100);
    static final Duration LIFETIME = Duration.ofSeconds(1);
    /**
     * The most numbers a dead server's handler may have produced beyond those that arrived: RPC's
     * window of 32 payloads, a transport's prefetch (256 frames at most) and a 64 KiB write buffer
     * of the smallest frames (10 bytes), all in the victim's memory, never accepted by the kernel.
     * More would be a buffer without bound between a handler and its transport.
     */
    static final long UNSENT_BOUND = 32 + 256 + 64 * 1024 / 10;

    static String transport(int index) {
        return TRANSPORTS[index % TRANSPORTS.length];
    }

    @Override
    public void prepare(Kill kill) {
        kill.victims.startAhead(MECHANISM, kill.index, kill.last, Victims.AHEAD, i -> args(kill, i));
    }

    /** A kill's victim arguments; the pipe victim is started at its kill, as an Interflux child, so never ahead. */
    private static String[] args(Kill kill, int i) {
        switch (transport(i)) {
            case "unix":
                return kill.jvmArgs("rpc-unix", i, socket(kill.dir, i).toString());
            case "ring":
                return kill.jvmArgs("rpc-ring", i, Kill.name(kill.prefix, MECHANISM, i, "requests"),
                        Kill.name(kill.prefix, MECHANISM, i, "responses"));
            default:
                return null;
        }
    }

    private static java.nio.file.Path socket(java.nio.file.Path dir, int i) {
        return dir.resolve(MECHANISM + "-" + i + "-rpc.sock");
    }

    @Override
    public void run(Kill kill) throws Exception {
        Control ctl = kill.ctl;
        String transport = transport(kill.index);
        Sequence seq = new Sequence(kill.point.initialDemand(), kill.point.reachAt());
        try {
            RpcConnection connection;
            Victim victim;
            switch (transport) {
                case "pipe": {
                    ctl.set(Control.OBJECTS, 1);
                    ChildProcess child = kill.track(kill.victims.jvmChild(kill.jvmArgs("rpc-pipe", kill.index))
                            .startNow(START));
                    victim = kill.victim(Victim.of(child, "victim JVM serving RPC over its pipes"));
                    connection = kill.track(Rpc.client().connectNow(PipeRpc.child(child), START));
                    if (!ready(kill, ctl, victim)) {
                        return;
                    }
                    break;
                }
                case "unix": {
                    RpcServer server = kill.track(Rpc.server(Routes.empty()).bindNow(SocketRpc.unixServer(socket(kill.dir, kill.index)), START));
                    CompletableFuture<RpcConnection> accepted = server.connections().next().toFuture();
                    ctl.set(Control.OBJECTS, 1);
                    victim = kill.victim(kill.victims.takeWarm(MECHANISM, kill.index, i -> args(kill, i)));
                    if (!ready(kill, ctl, victim)) {
                        return;
                    }
                    ctl.set(Control.GO, 1);
                    connection = kill.track(accepted.get(START.toMillis(), TimeUnit.MILLISECONDS));
                    break;
                }
                default: {
                    connection = kill.track(Rpc.client().keepAlive(KEEPALIVE, LIFETIME).connectNow(
                            RingRpc.connect(newRing(kill, "requests"), newRing(kill, "responses")), START));
                    ctl.set(Control.OBJECTS, 1);
                    victim = kill.victim(kill.victims.takeWarm(MECHANISM, kill.index, i -> args(kill, i)));
                    if (!ready(kill, ctl, victim)) {
                        return;
                    }
                    ctl.set(Control.GO, 1);
                }
            }
            connection.requestStream(KillVictim.NUMBERS, Payload.empty()).map(Payload::dataUtf8).subscribe(seq);
            long killedAt = ProducerScenario.killAtPoint(kill, seq, victim);
            if (killedAt == 0) {
                kill.note(transport + ": never reached");
                return;
            }
            long produced = ctl.get(Control.COUNT);
            seq.requestAll();
            react(kill, transport, connection, seq, killedAt, produced);
        } finally {
            seq.dispose();
            kill.releaseAll();
        }
    }

    private static SharedRingSpec newRing(Kill kill, String what) {
        return SharedRing.named(kill.name(what)).creation(Creation.CREATE_NEW).capacity(KillVictim.RING_CAPACITY);
    }

    private static boolean ready(Kill kill, Control ctl, Victim victim) {
        if (ctl.awaitSet(Control.READY, START, victim::alive) == 0) {
            kill.fail(victim + " never got ready (alive=" + victim.alive() + "): " + victim.stderr());
            return false;
        }
        return true;
    }

    private static void react(Kill kill, String transport, RpcConnection connection, Sequence seq, long killedAt,
                              long produced) {
        String progress = seq.received() + " numbers received, " + produced + " produced";
        Optional<Throwable> end = seq.awaitEnd(NOTICE);
        if (end == null) {
            kill.fail(transport + ": hang: the stream had not ended " + NOTICE.toSeconds() + " s after the kill; " + progress);
        } else {
            kill.noticed(seq.endNanos() - killedAt);
            Throwable e = end.orElse(null);
            boolean documented = e instanceof RpcException && (((RpcException) e).code() == RpcException.CONNECTION_CLOSE
                    || ((RpcException) e).code() == RpcException.CONNECTION_ERROR);
            kill.note(transport + ": " + (e == null ? "completed" : documented
                    ? RpcException.codeName(((RpcException) e).code()) : e.getClass().getSimpleName()));
            if (!documented) {
                kill.fail(transport + ": the stream " + (e == null ? "completed" : "failed with " + e)
                        + " instead of failing with RpcException CONNECTION_CLOSE or CONNECTION_ERROR; " + progress);
            }
        }
        try {
            connection.onDispose().block(NOTICE);
        } catch (RuntimeException e) {
            kill.fail(transport + ": the connection to the dead peer was still open " + NOTICE.toSeconds() + " s after the kill");
        }
        long k = seq.received();
        if (!seq.violations().isEmpty()) {
            kill.fail(transport + ": " + seq.violations());
        }
        kill.delivered(k);
        if (k > produced) {
            kill.fail(transport + ": " + k + " numbers delivered, more than the handler produced (" + produced + ")");
        } else if (produced - k > UNSENT_BOUND) {
            kill.fail(transport + ": the dead handler had produced " + (produced - k) + " numbers beyond those delivered,"
                    + " more than its window and its transport's buffers hold (" + UNSENT_BOUND + ")");
        } else {
            kill.lostByDesign(produced - k);
        }
        if (kill.point.mode == KillPoint.Mode.HELD && (k != kill.point.items || produced != kill.point.items)) {
            kill.fail(transport + ": held back after requesting " + kill.point.items + ", yet " + k
                    + " were delivered and " + produced + " produced");
        }
    }
}
