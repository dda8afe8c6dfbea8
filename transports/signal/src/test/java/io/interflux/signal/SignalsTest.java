package io.interflux.signal;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.IpcException;
import io.interflux.Signal;
import io.interflux.internal.Native;
import io.interflux.pipe.ChildProcess;
import jnr.ffi.Platform;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import sun.misc.SignalHandler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(30)
@DisplayName("Signals")
class SignalsTest {

    static final long SELF = ProcessHandle.current().pid();
    static final Duration WAIT = Duration.ofSeconds(10);

    /** Raises {@code signal} in this JVM; only for signals whose handler is known to be installed or harmless. */
    static void raise(Signal signal) {
        Signals.send(SELF, signal).block(WAIT);
    }

    /** Subscribes a probe that records every event, and returns its queue. */
    static BlockingQueue<SignalEvent> listen(List<Disposable> toDispose, Signal... signals) {
        BlockingQueue<SignalEvent> events = new LinkedBlockingQueue<>();
        toDispose.add(Signals.receive(signals).subscribe(events::add));
        return events;
    }

    static SignalEvent next(BlockingQueue<SignalEvent> events) throws InterruptedException {
        SignalEvent e = events.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(e).as("an event within " + WAIT).isNotNull();
        return e;
    }

    static void disposeAll(List<Disposable> list) {
        list.forEach(Disposable::dispose);
    }

    @Test
    @DisplayName("delivers a signal raised in this process only once it is requested")
    void receivesOnDemand() {
        StepVerifier.create(Signals.receive(Signal.SIGWINCH), 0)
                .expectSubscription()
                .then(() -> assertThat(SignalDisposition.isInstalled(Signal.SIGWINCH)).isTrue())
                .then(() -> raise(Signal.SIGWINCH))
                .expectNoEvent(Duration.ofMillis(100))
                .thenRequest(1)
                .assertNext(e -> {
                    assertThat(e.signal()).isEqualTo(Signal.SIGWINCH);
                    assertThat(e.sequence()).isPositive();
                    assertThat(e.missedBefore()).isZero();
                    assertThat(e.timestamp()).isBefore(java.time.Instant.now().plusMillis(1));
                })
                .thenCancel()
                .verify(WAIT);
        assertThat(SignalDisposition.isInstalled(Signal.SIGWINCH)).isFalse();
    }

    @Test
    @DisplayName("keeps only the latest delivery for a subscriber without demand and counts the others as missed")
    void slowSubscriberCountsMissed() throws InterruptedException {
        List<Disposable> probes = new ArrayList<>();
        try {
            BlockingQueue<SignalEvent> fast = listen(probes, Signal.SIGURG);
            StepVerifier.create(Signals.receive(Signal.SIGURG), 0)
                    .expectSubscription()
                    .then(() -> {
                        try {
                            for (int i = 0; i < 3; i++) {
                                // one at a time, so the kernel cannot merge them
                                raise(Signal.SIGURG);
                                next(fast);
                            }
                        } catch (InterruptedException e) {
                            throw new AssertionError(e);
                        }
                    })
                    .expectNoEvent(Duration.ofMillis(50))
                    .thenRequest(5)
                    .assertNext(e -> {
                        assertThat(e.missedBefore()).isEqualTo(2);
                        assertThat(e.sequence()).isEqualTo(SignalDisposition.delivered(Signal.SIGURG));
                    })
                    .expectNoEvent(Duration.ofMillis(50))
                    .thenCancel()
                    .verify(WAIT);
        } finally {
            disposeAll(probes);
        }
    }

    @Test
    @DisplayName("hands one delivery to every subscriber with the same sequence number")
    void severalSubscribers() throws InterruptedException {
        List<Disposable> subs = new ArrayList<>();
        try {
            BlockingQueue<SignalEvent> a = listen(subs, Signal.SIGWINCH);
            BlockingQueue<SignalEvent> b = listen(subs, Signal.SIGWINCH, Signal.SIGURG);
            raise(Signal.SIGWINCH);
            SignalEvent ea = next(a);
            SignalEvent eb = next(b);
            assertThat(eb.signal()).isEqualTo(Signal.SIGWINCH);
            assertThat(eb.sequence()).isEqualTo(ea.sequence());
            assertThat(eb.timestamp()).isEqualTo(ea.timestamp());
            raise(Signal.SIGURG);
            assertThat(next(b).signal()).isEqualTo(Signal.SIGURG);
            assertThat(a.poll(50, TimeUnit.MILLISECONDS)).as("a does not listen to SIGURG").isNull();
        } finally {
            disposeAll(subs);
        }
    }

    @Test
    @DisplayName("emits on an event-loop thread, never on the JVM's signal-handler thread")
    void emitsOnLoop() {
        AtomicReference<String> thread = new AtomicReference<>();
        StepVerifier.create(Signals.receive(Signal.SIGWINCH).doOnNext(e -> thread.set(Thread.currentThread().getName())), 1)
                .expectSubscription()
                .then(() -> raise(Signal.SIGWINCH))
                .expectNextCount(1)
                .thenCancel()
                .verify(WAIT);
        assertThat(thread.get()).startsWith("interflux-loop").doesNotContain("handler");
    }

    @Test
    @DisplayName("refuses SIGKILL, SIGSTOP, SIGQUIT, SIGUSR2 and the fault signals, naming the signal and the reason")
    void refusesOwnedSignals() {
        assertThatThrownBy(() -> Signals.receive(Signal.SIGKILL))
                .isInstanceOf(SignalRefusedException.class)
                .hasMessage("SIGKILL cannot be received: the kernel never lets a process catch, block or ignore it");
        assertThatThrownBy(() -> Signals.receive(Signal.SIGUSR1, Signal.SIGSTOP))
                .hasMessageStartingWith("SIGSTOP cannot be received: the kernel");
        assertThatThrownBy(() -> Signals.receive(Signal.SIGQUIT))
                .hasMessageContaining("SIGQUIT").hasMessageContaining("thread dump");
        assertThatThrownBy(() -> Signals.receive(Signal.SIGUSR2))
                .hasMessageContaining("SIGUSR2").hasMessageContaining("suspends and resumes threads");
        for (Signal fault : new Signal[] {Signal.SIGSEGV, Signal.SIGBUS, Signal.SIGFPE, Signal.SIGILL}) {
            assertThatThrownBy(() -> Signals.receive(fault))
                    .isInstanceOfSatisfying(SignalRefusedException.class, e -> assertThat(e.signal()).isEqualTo(fault))
                    .hasMessageContaining("synchronous fault");
        }
        assertThat(SignalDisposition.isInstalled(Signal.SIGUSR1)).isFalse();
    }

    @Test
    @DisplayName("either installs and restores a handler or refuses with a reason, for every standard signal")
    void everySignalReceivedOrRefused() {
        for (Signal s : Signal.values()) {
            if (Signals.refusal(s).isPresent()) {
                assertThatThrownBy(() -> Signals.receive(s)).isInstanceOf(SignalRefusedException.class);
                continue;
            }
            // the JVM's own refusal would arrive as onError: none is expected without -Xrs
            StepVerifier.create(Signals.receive(s), 0)
                    .expectSubscription()
                    .then(() -> assertThat(SignalDisposition.isInstalled(s)).as(s + " installed").isTrue())
                    .thenCancel()
                    .verify(WAIT);
            assertThat(SignalDisposition.isInstalled(s)).as(s + " restored").isFalse();
        }
    }

    @Test
    @DisplayName("puts the previous handler back when the last subscriber cancels, and not before")
    void restoresPreviousHandler() throws InterruptedException {
        BlockingQueue<String> previous = new LinkedBlockingQueue<>();
        sun.misc.Signal usr1 = new sun.misc.Signal("USR1");
        SignalHandler original = sun.misc.Signal.handle(usr1, sig -> previous.add(sig.getName()));
        List<Disposable> subs = new ArrayList<>();
        try {
            BlockingQueue<SignalEvent> first = listen(subs, Signal.SIGUSR1);
            BlockingQueue<SignalEvent> second = listen(subs, Signal.SIGUSR1);
            subs.remove(0).dispose();
            assertThat(SignalDisposition.isInstalled(Signal.SIGUSR1)).isTrue();
            raise(Signal.SIGUSR1);
            assertThat(next(second).signal()).isEqualTo(Signal.SIGUSR1);
            assertThat(first).isEmpty();
            subs.remove(0).dispose();
            assertThat(SignalDisposition.isInstalled(Signal.SIGUSR1)).isFalse();
            raise(Signal.SIGUSR1);
            assertThat(previous.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("USR1");
            assertThat(second.poll(50, TimeUnit.MILLISECONDS)).isNull();
        } finally {
            disposeAll(subs);
            sun.misc.Signal.handle(usr1, original);
        }
    }

    @Test
    @DisplayName("keeps delivered plus missed consistent with what it sent itself in a burst, with no buffer")
    void burstIsAccounted() throws InterruptedException {
        int sent = 3000;
        List<Disposable> subs = new ArrayList<>();
        try {
            CountDownLatch done = new CountDownLatch(1);
            long[] tally = new long[3]; // delivered, missed, last sequence
            long baseline = SignalDisposition.delivered(Signal.SIGURG);
            subs.add(Signals.receive(Signal.SIGURG, Signal.SIGWINCH)
                    .limitRate(1)
                    .publishOn(Schedulers.single(), 1)
                    .subscribe(e -> {
                        if (e.signal() == Signal.SIGWINCH) {
                            done.countDown();
                            return;
                        }
                        synchronized (tally) {
                            tally[0]++;
                            tally[1] += e.missedBefore();
                            tally[2] = e.sequence();
                        }
                    }));
            for (int i = 0; i < sent; i++) {
                raise(Signal.SIGURG);
            }
            raise(Signal.SIGWINCH);
            assertThat(done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            long jvmDeliveries = SignalDisposition.delivered(Signal.SIGURG) - baseline;
            synchronized (tally) {
                assertThat(tally[0]).isPositive();
                assertThat(tally[0] + tally[1]).isEqualTo(tally[2] - baseline).isLessThanOrEqualTo(jvmDeliveries);
                assertThat(jvmDeliveries).isLessThanOrEqualTo(sent);
            }
        } finally {
            disposeAll(subs);
        }
    }

    @Test
    @DisplayName("completes shutdown() on SIGTERM to this JVM, then gives SIGTERM back to the JVM")
    void shutdownOnSigterm() {
        StepVerifier.create(Signals.shutdown())
                .expectSubscription()
                .then(() -> {
                    // a SIGTERM with no handler would end this test JVM: check first
                    assertThat(SignalDisposition.isInstalled(Signal.SIGTERM)).isTrue();
                    assertThat(SignalDisposition.isInstalled(Signal.SIGINT)).isTrue();
                    raise(Signal.SIGTERM);
                })
                .expectNext(Signal.SIGTERM)
                .verifyComplete();
        assertThat(SignalDisposition.isInstalled(Signal.SIGTERM)).isFalse();
        assertThat(SignalDisposition.isInstalled(Signal.SIGINT)).isFalse();
    }

    @Test
    @DisplayName("signals a pipe-transport child by pid with the same Signal type ChildProcess.signal takes")
    void sendsToChild() {
        ChildProcess child = ChildProcess.command("sh", "-c",
                "trap 'echo got USR1' USR1; trap 'echo got HUP' HUP; echo ready; while :; do sleep 0.05; done")
                .start().block(WAIT);
        try {
            StepVerifier.create(child.stdout(Framing.lines(), Codec.utf8()), 1)
                    .expectNext("ready")
                    .then(() -> Signals.send(child.pid(), Signal.SIGUSR1).block(WAIT))
                    .thenRequest(1)
                    .expectNext("got USR1")
                    .then(() -> child.signal(Signal.SIGHUP).block(WAIT))
                    .thenRequest(1)
                    .expectNext("got HUP")
                    .then(() -> Signals.send(child.pid(), Signal.SIGKILL).block(WAIT))
                    .thenRequest(1)
                    .verifyComplete();
            StepVerifier.create(child.exit()).expectNext(128 + Signal.SIGKILL.number()).verifyComplete();
        } finally {
            child.dispose();
        }
    }

    @Test
    @DisplayName("fails with ESRCH naming the pid and the signal when the process is gone")
    void esrch() {
        ChildProcess gone = ChildProcess.command("true").start().block(WAIT);
        long pid = gone.pid();
        gone.exit().block(WAIT);
        StepVerifier.create(Signals.send(pid, Signal.SIGTERM))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(IpcException.class)
                            .hasMessageStartingWith("kill(pid " + pid + ", SIGTERM) failed: ESRCH");
                    assertThat(((IpcException) e).errnoName()).isEqualTo("ESRCH");
                })
                .verify(WAIT);
    }

    @Test
    @DisplayName("fails with EPERM when this process may not signal the target")
    void eperm() throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable attempt = () -> failure.set(Signals.send(1, Signal.SIGWINCH)
                .then(reactor.core.publisher.Mono.<Throwable>empty())
                .onErrorResume(reactor.core.publisher.Mono::just)
                .block(WAIT));
        if (new com.sun.security.auth.module.UnixSystem().getUid() != 0) {
            attempt.run();
        } else {
            // as root every kill is allowed: drop this one throwaway thread's uids (a raw setresuid
            // syscall changes only the calling thread), keeping 0 as saved uid to come back
            long setresuid = Platform.getNativePlatform().getCPU() == Platform.CPU.AARCH64 ? 147 : 117;
            Thread t = new Thread(() -> {
                if (Native.libc().syscall(setresuid, 65534, 65534, 0, 0) != 0) {
                    failure.set(new AssertionError("setresuid failed: " + Native.describe(Native.errno())));
                    return;
                }
                try {
                    attempt.run();
                } finally {
                    Native.libc().syscall(setresuid, 0, 0, 0, 0);
                }
            }, "unprivileged-sender");
            t.start();
            t.join(WAIT.toMillis());
        }
        assertThat(failure.get()).isInstanceOf(IpcException.class)
                .hasMessageStartingWith("kill(pid 1, SIGWINCH) failed: EPERM")
                .hasMessageContaining("may not signal");
    }

    @Test
    @DisplayName("refuses misuse at once: no signal, a pid that would name a group, a null signal")
    void misuse() {
        assertThatThrownBy(Signals::receive).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("at least one signal required");
        assertThatThrownBy(() -> Signals.send(0, Signal.SIGTERM)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("but it was 0");
        assertThatThrownBy(() -> Signals.send(-1, Signal.SIGTERM)).hasMessageContaining("but it was -1");
        assertThatThrownBy(() -> Signals.send(SELF, null)).isInstanceOf(NullPointerException.class);
        assertThat(Flux.from(Signals.receive(Signal.SIGWINCH)).take(Duration.ZERO).collectList().block(WAIT)).isEmpty();
        assertThat(SignalDisposition.isInstalled(Signal.SIGWINCH)).isFalse();
    }
}
