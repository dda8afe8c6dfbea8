package io.interflux.benchmarks.kill;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.pipe.ChildProcess;

/**
 * A child process killed while it writes lines into its stdout pipe, which this JVM reads: what
 * the pipe holds is delivered, then the stream completes (each line is one {@code write(2)} of
 * less than {@code PIPE_BUF} bytes, so none is ever cut), and the child is reaped with status 137.
 */
final class PipeKill extends ProducerScenario {

    /** Strict: a line cut short would fail the stream instead of passing for a smaller number. */
    static final Framing LINES = Framing.lines(32).strict();

    @Override
    Side open(Kill kill) {
        Side side = new Side() { };
        ChildProcess child = kill.track(kill.victims.pythonChild(kill).startNow(START));
        side.victim = kill.victim(Victim.of(child, "python producer on stdout"));
        side.values = child.stdout(LINES, Codec.utf8());
        return side;
    }
}
