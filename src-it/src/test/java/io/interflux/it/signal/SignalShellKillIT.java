package io.interflux.it.signal;

import io.interflux.UnixSignal;
import io.interflux.it.support.OsResources;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.Stdio;
import io.interflux.signal.Signals;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.test.StepVerifier;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Signals sent to this test JVM by a shell, as an operator would: {@code kill -USR1 <pid>}.
 * Every signal sent here has a handler installed and checked first, so this JVM is never ended.
 */
@Timeout(60)
@DisplayName("A signal sent with kill from a shell")
class SignalShellKillIT {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final long SELF = ProcessHandle.current().pid();

    @RegisterExtension
    final OsResources os = new OsResources();

    void shellKill(String signalName) {
        ChildProcess kill = os.track(ChildProcess.command("sh", "-c", "kill -" + signalName + " " + SELF)
                .stdin(Stdio.discard()).stdout(Stdio.discard()).start().block(WAIT));
        assertThat(kill.exit().block(WAIT)).as("kill -" + signalName + " exit status").isZero();
    }

    @Test
    @DisplayName("arrives in the Flux, in order, only as it is requested, and the JVM's disposition comes back on cancel")
    void killUsr1FromShell() {
        StepVerifier.create(Signals.receive(UnixSignal.SIGUSR1, UnixSignal.SIGHUP), 0)
                .expectSubscription()
                .then(() -> {
                    // SIGUSR1's default action ends the process: only with our handler in place
                    assertThat(Signals.listening(UnixSignal.SIGUSR1)).isTrue();
                    assertThat(Signals.listening(UnixSignal.SIGHUP)).isTrue();
                    shellKill("USR1");
                })
                .expectNoEvent(Duration.ofMillis(100))
                .thenRequest(1)
                .assertNext(e -> {
                    assertThat(e.signal()).isEqualTo(UnixSignal.SIGUSR1);
                    assertThat(e.missedBefore()).isZero();
                })
                .then(() -> shellKill("HUP"))
                .thenRequest(1)
                .assertNext(e -> assertThat(e.signal()).isEqualTo(UnixSignal.SIGHUP))
                .then(() -> shellKill("USR1"))
                .thenRequest(1)
                .assertNext(e -> assertThat(e.signal()).isEqualTo(UnixSignal.SIGUSR1))
                .thenCancel()
                .verify(WAIT);
        assertThat(Signals.listening(UnixSignal.SIGUSR1)).isFalse();
        assertThat(Signals.listening(UnixSignal.SIGHUP)).isFalse();
    }
}
