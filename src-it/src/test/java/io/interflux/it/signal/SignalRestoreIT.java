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

import static org.assertj.core.api.Assertions.assertThat;

/** What a process had before Interflux listened is what it has after: checked in a child JVM. */
@Timeout(60)
@DisplayName("Signal dispositions after the last subscriber leaves")
class SignalRestoreIT {

    static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    final OsResources os = new OsResources();

    @Test
    @DisplayName("go back to the previous handler, and SIGTERM ends the JVM again once shutdown() has completed")
    void previousHandlersComeBack() throws InterruptedException {
        ChildProcess child = os.track(ChildJvm.of(SignalReporter.class, "restore")
                .as(ChildProcess::command).stderr(Stdio.inherit()).start().block(WAIT));
        ChildLines lines = os.track(new ChildLines(child));
        assertThat(lines.next(WAIT)).isEqualTo("ready");

        Signals.send(child.pid(), UnixSignal.SIGUSR1).block(WAIT);
        assertThat(lines.next(WAIT)).isEqualTo("event SIGUSR1");
        assertThat(lines.next(WAIT)).isEqualTo("cancelled listening=false");
        Signals.send(child.pid(), UnixSignal.SIGUSR1).block(WAIT);
        assertThat(lines.next(WAIT)).isEqualTo("previous SIGUSR1");

        Signals.send(child.pid(), UnixSignal.SIGTERM).block(WAIT);
        assertThat(lines.next(WAIT)).isEqualTo("shutdown SIGTERM listening=false");
        // the JVM's own handler is back: the second SIGTERM runs the shutdown hooks and exits
        Signals.send(child.pid(), UnixSignal.SIGTERM).block(WAIT);
        assertThat(child.exit().block(WAIT)).isEqualTo(128 + UnixSignal.SIGTERM.number());
    }
}
