package io.interflux.signal;

import io.interflux.EventLoop;
import io.interflux.IpcException;
import io.interflux.UnixSignal;
import io.interflux.internal.Native;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;

/**
 * Signals as Reactor publishers: receive them as a {@link Flux}, send them with
 * {@code kill(2)}, and wait for the first SIGTERM or SIGINT to shut down gracefully.
 *
 * <pre>{@code
 * // reload the configuration on every SIGHUP
 * Signals.receive(UnixSignal.SIGHUP)
 *     .subscribe(event -> reload());
 *
 * // stop a pipeline on SIGTERM or Ctrl-C, then release what it opened
 * pipeline.takeUntilOther(Signals.shutdown())
 *     .doFinally(s -> fifo.dispose())
 *     .blockLast();
 *
 * // signal another process, or a child of the pipe transport: the same UnixSignal type
 * Signals.send(pid, UnixSignal.SIGUSR1).block();
 * child.signal(UnixSignal.SIGUSR1).block();
 * }</pre>
 *
 * <h2>Receiving</h2>
 * The JVM owns the process's signal dispositions; Interflux asks it for a handler through
 * {@code sun.misc.Signal} (module {@code jdk.unsupported}) when the first subscriber listens to a
 * signal, shares it among all subscribers, and puts the previous disposition back when the last
 * one cancels. While SIGTERM, SIGINT or SIGHUP is received this way, the JVM's own reaction to it
 * (running the shutdown hooks and exiting) is suspended: the application decides.
 *
 * <p>Some signals are refused with a {@link SignalRefusedException} that names the signal and
 * the reason: SIGKILL and SIGSTOP (the kernel's), SIGQUIT (the JVM's thread dump), SIGUSR2 (HotSpot
 * suspends threads with it), the fault signals SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV,
 * SIGSYS, and whatever the JVM itself refuses (SIGHUP, SIGINT, SIGTERM under {@code -Xrs}).
 *
 * <p>Signals cannot be held back. Interflux keeps, for each subscriber, at most one pending
 * delivery per signal, exactly as the kernel keeps one pending bit: a delivery that arrives
 * while the previous one is still waiting for demand replaces it, and the event that is finally
 * emitted reports the replaced ones in {@link SignalEvent#missedBefore()}. Nothing is buffered
 * without bound, and nothing is lost silently by Interflux; the kernel, however, merges a
 * signal sent while the same one is still pending, so fewer deliveries than sends is normal.
 */
public final class Signals {

    private Signals() {
    }

    /**
     * The deliveries of {@code signals} to this JVM, from subscription on.
     *
     * <p>Nothing touches the process until subscription. Each subscription listens on its own and
     * any number may listen to the same signal; each gets every delivery it has demand for, and
     * for the others a count in {@link SignalEvent#missedBefore()}. Events are emitted on an
     * event-loop thread of {@link EventLoop#shared()} (or on the thread that requests), never on
     * the JVM's signal-handler thread. The Flux never completes; cancel it to stop listening.
     *
     * @param signals one or more signals; duplicates are ignored
     * @return a cold Flux of events
     * @throws SignalRefusedException   at once, for a signal Interflux refuses (listed in the class
     *                                  documentation); the JVM's own refusals arrive as
     *                                  {@code onError} with the same type on subscription
     * @throws IllegalArgumentException when no signal is given
     */
    public static Flux<SignalEvent> receive(UnixSignal... signals) {
        return receive(EventLoop.shared(), signals);
    }

    /** As {@link #receive(UnixSignal...)}, emitting on the threads of {@code loop}. */
    public static Flux<SignalEvent> receive(EventLoop loop, UnixSignal... signals) {
        Objects.requireNonNull(loop, "loop");
        Objects.requireNonNull(signals, "signals");
        if (signals.length == 0) {
            throw new IllegalArgumentException("at least one signal required");
        }
        EnumSet<UnixSignal> distinct = EnumSet.noneOf(UnixSignal.class);
        for (UnixSignal s : signals) {
            SignalPolicy.check(Objects.requireNonNull(s, "signal"));
            distinct.add(s);
        }
        return new FluxSignalReceive(distinct.toArray(new UnixSignal[0]), loop);
    }

    /**
     * Why Interflux refuses to receive {@code signal}, or empty when it will ask the JVM for it
     * (which may still refuse, see {@link #receive(UnixSignal...)}).
     */
    public static Optional<String> refusal(UnixSignal signal) {
        return SignalPolicy.refusal(Objects.requireNonNull(signal, "signal"));
    }

    /**
     * Whether Interflux's handler for {@code signal} is installed right now, that is whether at
     * least one subscription of {@link #receive(UnixSignal...)} listens to it. Subscription installs
     * the handler before {@code onSubscribe}, so a program may check this before it raises a
     * signal whose default action would end it.
     */
    public static boolean listening(UnixSignal signal) {
        return SignalDisposition.isInstalled(Objects.requireNonNull(signal, "signal"));
    }

    /**
     * Completes with the first SIGTERM or SIGINT delivered after subscription, then stops
     * listening and restores both signals' previous dispositions.
     *
     * <p>While it is subscribed, SIGTERM and SIGINT no longer end the JVM: the application winds
     * down by itself, typically with {@code takeUntilOther(Signals.shutdown())} on its pipelines
     * and the disposal of its IPC resources (FIFO files, queues, shared memory) before it returns
     * from {@code main}. Once it has completed, a second SIGTERM or SIGINT reaches the JVM's
     * default handler again and ends the process: an impatient operator still gets their way.
     *
     * <p>Every subscription listens on its own: subscribe the same instance from several
     * pipelines and the first signal ends them all. A subscription made after the signal waits
     * for another one; {@code cache()} the Mono if late subscribers must see the first.
     */
    public static Mono<UnixSignal> shutdown() {
        return receive(UnixSignal.SIGTERM, UnixSignal.SIGINT).next().map(SignalEvent::signal);
    }

    /**
     * Sends {@code signal} to process {@code pid} with {@code kill(2)}.
     *
     * <p>Nothing is sent until subscription; {@code kill(2)} does not block, so any thread may
     * subscribe. Fails with an {@link IpcException} naming the pid and the signal: {@code ESRCH}
     * when no such process exists, {@code EPERM} when this process may not signal it. For a child
     * started by the pipe transport, {@code ChildProcess.signal(UnixSignal)} takes the same
     * {@link UnixSignal} and cannot hit a recycled pid.
     *
     * @param pid    a process id, {@code > 0} (process groups and "every process" are refused)
     * @param signal the signal
     * @return a lazy Mono that completes once the kernel has accepted the signal
     */
    public static Mono<Void> send(long pid, UnixSignal signal) {
        Objects.requireNonNull(signal, "signal");
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("0 < pid <= " + Integer.MAX_VALUE + " required but it was " + pid);
        }
        return Mono.fromRunnable(() -> {
            if (Native.libc().kill((int) pid, signal.number()) < 0) {
                int errno = Native.errno();
                throw new IpcException("kill", "pid " + pid + ", " + signal, errno, explain(errno));
            }
        });
    }

    private static String explain(int errno) {
        switch (Native.errnoName(errno)) {
            case "ESRCH":
                return "no process has this pid (it has exited, or never existed)";
            case "EPERM":
                return "this process may not signal it (another user's process, without CAP_KILL)";
            default:
                return null;
        }
    }
}
