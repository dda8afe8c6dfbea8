package io.interflux.signal;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.IpcException;
import io.interflux.UnixSignal;
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
    static void raise(UnixSignal signal) {
        Signals.send(SELF, signal).block(WAIT);
    }

    /** Subscribes a probe that records every event, and returns its queue. */
    static BlockingQueue<SignalEvent> listen(List<Disposable> toDispose, UnixSignal... signals) {
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
        StepVerifier.create(Signals.receive(UnixSignal.SIGWINCH), 0)
                .expectSubscription()
                .then(() -> assertThat(SignalDisposition.isInstalled(UnixSignal.SIGWINCH)).isTrue())
                .then(() -> raise(UnixSignal.SIGWINCH))
                .expectNoEvent(Duration.ofMillis(100))
                .thenRequest(1)
                .assertNext(e -> {
                    assertThat(e.signal()).isEqualTo(UnixSignal.SIGWINCH);
                    assertThat(e.sequence()).isPositive();
                    assertThat(e.missedBefore()).isZero();
                    assertThat(e.timestamp()).isBefore(java.time.Instant.now().plusMillis(1));
                })
                .thenCancel()
                .verify(WAIT);
        assertThat(SignalDisposition.isInstalled(UnixSignal.SIGWINCH)).isFalse();
    }

    @Test
    @DisplayName("keeps only the latest delivery for a subscriber without demand and counts the others as missed")
    void slowSubscriberCountsMissed() throws InterruptedException {
        List<Disposable> probes = new ArrayList<>();
        try {
            BlockingQueue<SignalEvent> fast = listen(probes, UnixSignal.SIGURG);
            StepVerifier.create(Signals.receive(UnixSignal.SIGURG), 0)
                    .expectSubscription()
                    .then(() -> {
                        try {
                            for (int i = 0; i < 3; i++) {
                                // one at a time, so the kernel cannot merge them
                                raise(UnixSignal.SIGURG);
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
                        assertThat(e.sequence()).isEqualTo(SignalDisposition.delivered(UnixSignal.SIGURG));
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
            BlockingQueue<SignalEvent> a = listen(subs, UnixSignal.SIGWINCH);
            BlockingQueue<SignalEvent> b = listen(subs, UnixSignal.SIGWINCH, UnixSignal.SIGURG);
            raise(UnixSignal.SIGWINCH);
            SignalEvent ea = next(a);
            SignalEvent eb = next(b);
            assertThat(eb.signal()).isEqualTo(UnixSignal.SIGWINCH);
            assertThat(eb.sequence()).isEqualTo(ea.sequence());
            assertThat(eb.timestamp()).isEqualTo(ea.timestamp());
            raise(UnixSignal.SIGURG);
            assertThat(next(b).signal()).isEqualTo(UnixSignal.SIGURG);
            assertThat(a.poll(50, TimeUnit.MILLISECONDS)).as("a does not listen to SIGURG").isNull();
        } finally {
            disposeAll(subs);
        }
    }

    @Test
    @DisplayName("emits on an event-loop thread, never on the JVM's signal-handler thread")
    void emitsOnLoop() {
        AtomicReference<String> thread = new AtomicReference<>();
        StepVerifier.create(Signals.receive(UnixSignal.SIGWINCH).doOnNext(e -> thread.set(Thread.currentThread().getName())), 1)
                .expectSubscription()
                .then(() -> raise(UnixSignal.SIGWINCH))
                .expectNextCount(1)
                .thenCancel()
                .verify(WAIT);
        assertThat(thread.get()).startsWith("interflux-loop").doesNotContain("handler");
    }

    @Test
    @DisplayName("refuses SIGKILL, SIGSTOP, SIGQUIT, SIGUSR2 and the fault signals, naming the signal and the reason")
    void refusesOwnedSignals() {
        assertThatThrownBy(() -> Signals.receive(UnixSignal.SIGKILL))
                .isInstanceOf(SignalRefusedException.class)
                .hasMessage("SIGKILL cannot be received: the kernel never lets a process catch, block or ignore it");
        assertThatThrownBy(() -> Signals.receive(UnixSignal.SIGUSR1, UnixSignal.SIGSTOP))
                .hasMessageStartingWith("SIGSTOP cannot be received: the kernel");
        assertThatThrownBy(() -> Signals.receive(UnixSignal.SIGQUIT))
                .hasMessageContaining("SIGQUIT").hasMessageContaining("thread dump");
        assertThatThrownBy(() -> Signals.receive(UnixSignal.SIGUSR2))
                .hasMessageContaining("SIGUSR2").hasMessageContaining("suspends and resumes threads");
        for (UnixSignal fault : new UnixSignal[] {UnixSignal.SIGSEGV, UnixSignal.SIGBUS, UnixSignal.SIGFPE, UnixSignal.SIGILL}) {
            assertThatThrownBy(() -> Signals.receive(fault))
                    .isInstanceOfSatisfying(SignalRefusedException.class, e -> assertThat(e.signal()).isEqualTo(fault))
                    .hasMessageContaining("synchronous fault");
        }
        assertThat(SignalDisposition.isInstalled(UnixSignal.SIGUSR1)).isFalse();
    }

    @Test
    @DisplayName("either installs and restores a handler or refuses with a reason, for every standard signal")
    void everySignalReceivedOrRefused() {
        for (UnixSignal s : UnixSignal.values()) {
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
            BlockingQueue<SignalEvent> first = listen(subs, UnixSignal.SIGUSR1);
            BlockingQueue<SignalEvent> second = listen(subs, UnixSignal.SIGUSR1);
            subs.remove(0).dispose();
            assertThat(SignalDisposition.isInstalled(UnixSignal.SIGUSR1)).isTrue();
            raise(UnixSignal.SIGUSR1);
            assertThat(next(second).signal()).isEqualTo(UnixSignal.SIGUSR1);
            assertThat(first).isEmpty();
            subs.remove(0).dispose();
            assertThat(SignalDisposition.isInstalled(UnixSignal.SIGUSR1)).isFalse();
            raise(UnixSignal.SIGUSR1);
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
            long baseline = SignalDisposition.delivered(UnixSignal.SIGURG);
            subs.add(Signals.receive(UnixSignal.SIGURG, UnixSignal.SIGWINCH)
                    .limitRate(1)
                    .publishOn(Schedulers.single(), 1)
                    .subscribe(e -> {
                        if (e.signal() == UnixSignal.SIGWINCH) {
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
                raise(UnixSignal.SIGURG);
            }
            raise(UnixSignal.SIGWINCH);
            assertThat(done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            long jvmDeliveries = SignalDisposition.delivered(UnixSignal.SIGURG) - baseline;
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
                    assertThat(SignalDisposition.isInstalled(UnixSignal.SIGTERM)).isTrue();
                    assertThat(SignalDisposition.isInstalled(UnixSignal.SIGINT)).isTrue();
                    raise(UnixSignal.SIGTERM);
                })
                .expectNext(UnixSignal.SIGTERM)
                .verifyComplete();
        assertThat(SignalDisposition.isInstalled(UnixSignal.SIGTERM)).isFalse();
        assertThat(SignalDisposition.isInstalled(UnixSignal.SIGINT)).isFalse();
    }

    @Test
    @DisplayName("signals a pipe-transport child by pid with the same UnixSignal type ChildProcess.signal takes")
    void sendsToChild() {
        ChildProcess child = ChildProcess.command("sh", "-c",
                "trap 'echo got USR1' USR1; trap 'echo got HUP' HUP; echo ready; while :; do sleep 0.05; done")
                .start().block(WAIT);
        try {
            StepVerifier.create(child.stdout(Framing.lines(), Codec.utf8()), 1)
                    .expectNext("ready")
                    .then(() -> Signals.send(child.pid(), UnixSignal.SIGUSR1).block(WAIT))
                    .thenRequest(1)
                    .expectNext("got USR1")
                    .then(() -> child.signal(UnixSignal.SIGHUP).block(WAIT))
                    .thenRequest(1)
                    .expectNext("got HUP")
                    .then(() -> Signals.send(child.pid(), UnixSignal.SIGKILL).block(WAIT))
                    .thenRequest(1)
                    .verifyComplete();
            StepVerifier.create(child.exit()).expectNext(128 + UnixSignal.SIGKILL.number()).verifyComplete();
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
        gone.dispose(); // its pipes: the child's exit leaves them to us
        StepVerifier.create(Signals.send(pid, UnixSignal.SIGTERM))
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
        Runnable attempt = () -> failure.set(Signals.send(1, UnixSignal.SIGWINCH)
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
        assertThatThrownBy(() -> Signals.send(0, UnixSignal.SIGTERM)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("but it was 0");
        assertThatThrownBy(() -> Signals.send(-1, UnixSignal.SIGTERM)).hasMessageContaining("but it was -1");
        assertThatThrownBy(() -> Signals.send(SELF, null)).isInstanceOf(NullPointerException.class);
        assertThat(Flux.from(Signals.receive(UnixSignal.SIGWINCH)).take(Duration.ZERO).collectList().block(WAIT)).isEmpty();
        assertThat(SignalDisposition.isInstalled(UnixSignal.SIGWINCH)).isFalse();
    }
}
