package io.interflux.it.shm;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.UnixSignal;
import io.interflux.it.support.ChildLines;
import io.interflux.it.support.OsResources;
import io.interflux.pipe.ChildExitException;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.ChildProcessSpec;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A peer process of a shm test (a {@link RingPeer} or {@link SyncPeer} JVM, the
 * {@link CRingProducer}, the C semaphore peer of {@link SyncPosixCPeerIT}): started, killed and
 * reaped after the test by {@link OsResources}, its stdout read line by line, its captured stderr
 * shown when a line is not the one expected.
 *
 * <pre>{@code
 * Peer producer = Peer.start(os, RingPeer.jvm("produce", ring, "1", "1000").as(ChildProcess::command));
 * producer.expect("ready");
 * producer.go().block(WAIT);
 * }</pre>
 */
final class Peer {

    static final Duration WAIT = Duration.ofSeconds(30);

    private final ChildProcess process;
    private final ChildLines lines;

    private Peer(ChildProcess process, ChildLines lines) {
        this.process = process;
        this.lines = lines;
    }

    static Peer start(OsResources os, ChildProcessSpec spec) {
        ChildProcess process = os.track(spec.start().block(WAIT));
        return new Peer(process, os.track(new ChildLines(process)));
    }

    int pid() {
        return process.pid();
    }

    /** The next line of stdout. */
    String next() {
        try {
            return lines.next(WAIT);
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    /** Asserts that the next line of stdout is {@code line}. */
    void expect(String line) {
        String next = next();
        if (!next.equals(line)) {
            assertThat(next).as(describe(next.equals("<eof>"))).isEqualTo(line);
        }
    }

    /** The peer and its stderr; once it has closed its stdout, its exit status and all of its stderr. */
    private String describe(boolean ended) {
        if (ended) {
            try {
                // the end of stdout can come before the last of stderr: wait for both, briefly
                process.succeeded().block(Duration.ofSeconds(5));
                return process + " exited with status 0, stderr: " + process.capturedStderr();
            } catch (ChildExitException e) {
                return e.getMessage(); // the status, the signal if one ended it, and stderr's tail
            } catch (RuntimeException e) {
                // still running: told below
            }
        }
        return process + ", stderr: " + process.capturedStderr();
    }

    /** Asserts that the peer prints nothing for {@code quiet}. */
    void expectNone(Duration quiet) {
        try {
            lines.expectNone(quiet);
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    /** A test interrupted (by its timeout) while it waits for a peer: keep the flag, fail the test. */
    private AssertionError interrupted(InterruptedException e) {
        Thread.currentThread().interrupt();
        return new AssertionError("interrupted while waiting for " + process, e);
    }

    /** Writes the line a {@code produce} peer waits for, and closes its stdin: lazy, as every send. */
    Mono<Void> go() {
        return process.sendAndClose(Flux.just("go"), Framing.lines(), Codec.utf8());
    }

    /** Writes {@code line} to the peer's stdin and leaves it open for more. */
    void tell(String line) {
        process.send(Flux.just(line), Framing.lines(), Codec.utf8()).block(WAIT);
    }

    /** Closes the peer's stdin: it reads end of input. */
    void endInput() {
        process.closeStdin().block(WAIT);
    }

    /** Sends {@code SIGKILL} and waits until the peer is reaped. */
    void kill() {
        process.signal(UnixSignal.SIGKILL).block(WAIT);
        assertThat(exitStatus()).as("exit status of %s", process).isEqualTo(128 + 9);
    }

    /** Waits for the exit status (128 + n for signal n). */
    int exitStatus() {
        return process.exit().block(WAIT);
    }

    /** Asserts that the peer exits with status 0. */
    void expectSuccess() {
        assertThat(exitStatus()).as(() -> process + ", stderr: " + process.capturedStderr()).isZero();
    }

    @Override
    public String toString() {
        return process.toString();
    }
}
