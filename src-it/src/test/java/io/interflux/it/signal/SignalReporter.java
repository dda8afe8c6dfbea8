package io.interflux.it.signal;

import io.interflux.UnixSignal;
import io.interflux.signal.SignalEvent;
import io.interflux.signal.Signals;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.scheduler.Schedulers;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A child JVM that listens to signals with Interflux and reports on stdout, one line per fact,
 * so that a test in another process can check what arrived. The first argument is the mode:
 * <ul>
 *   <li>{@code report SIGUSR1,SIGHUP}: prints {@code event <signal> <sequence> <missedBefore>}
 *       per event.</li>
 *   <li>{@code storm}: a fast, a deliberately slow and a paused subscriber to SIGUSR1 (the last
 *       takes one event, then waits for {@code resume} on stdin); each {@code stats} line on
 *       stdin is answered with their tallies, the heap used after a GC and the thread count.</li>
 *   <li>{@code restore}: a plain {@code sun.misc} handler for SIGUSR1 first, then one Interflux
 *       event of SIGUSR1, then {@code Signals.shutdown()}; reports which handler saw what.</li>
 *   <li>{@code refused SIGTERM}: reports how subscribing to the signal ended (run it with
 *       {@code -Xrs} to see the JVM's refusal).</li>
 * </ul>
 * Prints {@code ready} once it listens; exits 0 when stdin ends.
 */
public final class SignalReporter {

    private SignalReporter() {
    }

    static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** A subscriber's running tally, updated and read under its own lock. */
    static final class Tally {
        long delivered;
        long missed;
        long last;

        synchronized void add(SignalEvent e) {
            delivered++;
            missed += e.missedBefore();
            last = e.sequence();
        }

        @Override
        public synchronized String toString() {
            return delivered + " " + missed + " " + last;
        }
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        switch (mode) {
            case "report": {
                UnixSignal[] signals = Arrays.stream(args[1].split(",")).map(UnixSignal::valueOf).toArray(UnixSignal[]::new);
                Signals.receive(signals).subscribe(e -> say("event " + e.signal() + " " + e.sequence() + " " + e.missedBefore()));
                say("ready");
                awaitStdin(null, null, null);
                break;
            }
            case "storm": {
                Tally fast = new Tally();
                Tally slow = new Tally();
                Signals.receive(UnixSignal.SIGUSR1).subscribe(fast::add);
                Signals.receive(UnixSignal.SIGUSR1)
                        .publishOn(Schedulers.single(), 1)
                        .subscribe(e -> {
                            // a subscriber that takes its time: most of the storm must be counted, not queued
                            long until = System.nanoTime() + 200_000;
                            while (System.nanoTime() < until) {
                                Thread.onSpinWait();
                            }
                            slow.add(e);
                        });
                // takes one event, then nothing until told to resume: the whole storm must be counted
                Tally paused = new Tally();
                BaseSubscriber<SignalEvent> pausedSubscriber = new BaseSubscriber<>() {
                    @Override
                    protected void hookOnSubscribe(Subscription subscription) {
                        subscription.request(1);
                    }

                    @Override
                    protected void hookOnNext(SignalEvent e) {
                        paused.add(e);
                    }
                };
                Signals.receive(UnixSignal.SIGUSR1).subscribe(pausedSubscriber);
                resume = () -> pausedSubscriber.request(Long.MAX_VALUE);
                say("ready");
                awaitStdin(fast, slow, paused);
                break;
            }
            case "restore": {
                sun.misc.Signal.handle(new sun.misc.Signal("USR1"), s -> say("previous " + s));
                Signals.receive(UnixSignal.SIGUSR1).take(1).subscribe(
                        e -> say("event " + e.signal()),
                        e -> say("error " + e),
                        () -> say("cancelled listening=" + Signals.listening(UnixSignal.SIGUSR1)));
                Signals.shutdown().subscribe(s -> say("shutdown " + s + " listening="
                        + (Signals.listening(UnixSignal.SIGTERM) || Signals.listening(UnixSignal.SIGINT))));
                say("ready");
                awaitStdin(null, null, null);
                break;
            }
            case "refused": {
                UnixSignal signal = UnixSignal.valueOf(args[1]);
                Signals.receive(signal).subscribe(e -> say("event " + e), e -> say("refused " + e.getClass().getSimpleName()
                        + ": " + e.getMessage()));
                say("listening=" + Signals.listening(signal));
                break;
            }
            default:
                throw new IllegalArgumentException("unknown mode " + mode);
        }
    }

    private static volatile Runnable resume = () -> { };

    private static void awaitStdin(Tally fast, Tally slow, Tally paused) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.equals("resume")) {
                resume.run();
            }
            if (line.equals("stats") && fast != null) {
                System.gc();
                Runtime rt = Runtime.getRuntime();
                say("stats " + fast + " " + slow + " " + paused + " " + (rt.totalMemory() - rt.freeMemory())
                        + " " + ManagementFactory.getThreadMXBean().getThreadCount());
            }
        }
        System.exit(0);
    }
}
