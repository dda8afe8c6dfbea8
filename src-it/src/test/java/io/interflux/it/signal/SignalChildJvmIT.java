package io.interflux.it.signal;

import io.interflux.UnixSignal;
import io.interflux.testkit.ChildJvm;
import io.interflux.it.support.ChildLines;
import io.interflux.it.support.OsResources;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.Stdio;
import io.interflux.signal.Signals;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A child JVM that listens with Interflux, signalled by this JVM. */
@Timeout(60)
@DisplayName("A child JVM signalled by its parent")
class SignalChildJvmIT {

    static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    final OsResources os = new OsResources();

    @Test
    @DisplayName("reports each signal sent by Signals.send and by ChildProcess.signal, numbered per signal")
    void reportsWhatItReceived() throws InterruptedException {
        ChildProcess child = os.track(ChildJvm.of(SignalReporter.class, "report", "SIGUSR1,SIGHUP,SIGWINCH")
                .as(ChildProcess::command).stderr(Stdio.inherit()).start().block(WAIT));
        ChildLines lines = os.track(new ChildLines(child));
        assertThat(lines.next(WAIT)).isEqualTo("ready");

        Signals.send(child.pid(), UnixSignal.SIGUSR1).block(WAIT);
        assertThat(lines.next(WAIT)).isEqualTo("event SIGUSR1 1 0");
        child.signal(UnixSignal.SIGHUP).block(WAIT);
        assertThat(lines.next(WAIT)).isEqualTo("event SIGHUP 1 0");
        Signals.send(child.pid(), UnixSignal.SIGWINCH).block(WAIT);
        assertThat(lines.next(WAIT)).isEqualTo("event SIGWINCH 1 0");
        child.signal(UnixSignal.SIGUSR1).block(WAIT);
        assertThat(lines.next(WAIT)).isEqualTo("event SIGUSR1 2 0");

        child.closeStdin().block(WAIT);
        assertThat(child.exit().block(WAIT)).isZero();
    }

    @Test
    @DisplayName("started with -Xrs, refuses SIGTERM with an error naming the signal and the JVM's reason, and keeps running")
    void xrsRefusal() throws InterruptedException {
        List<String> options = new ArrayList<>(ChildJvm.DEFAULT_JVM_OPTIONS);
        options.add("-Xrs");
        ChildProcess child = os.track(ChildJvm.of(SignalReporter.class, "refused", "SIGTERM")
                .jvmOptions(options.toArray(new String[0])).as(ChildProcess::command).stderr(Stdio.inherit()).start().block(WAIT));
        ChildLines lines = os.track(new ChildLines(child));
        assertThat(lines.next(WAIT)).isEqualTo("refused SignalRefusedException: SIGTERM cannot be received:"
                + " the JVM refuses to hand it to Java code (Signal already used by VM or OS: SIGTERM;"
                + " HotSpot refuses SIGHUP, SIGINT and SIGTERM under -Xrs)");
        assertThat(lines.next(WAIT)).isEqualTo("listening=false");
        assertThat(child.exit().block(WAIT)).isZero();
    }
}
