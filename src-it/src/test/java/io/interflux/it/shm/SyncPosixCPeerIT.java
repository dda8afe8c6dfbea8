package io.interflux.it.shm;

import io.interflux.it.support.CProgram;
import io.interflux.it.support.Eventually;
import io.interflux.it.support.OsResources;
import io.interflux.it.support.ProcessProbe;
import io.interflux.pipe.ChildProcess;
import io.interflux.shm.Permit;
import io.interflux.shm.PosixSemaphore;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A POSIX semaphore shared with a C program ({@code posix_sem_peer.c}, compiled with gcc by the
 * test) that uses nothing but {@code sem_open}, {@code sem_trywait}, {@code sem_wait} and
 * {@code sem_post}: each side sees the other's permits taken and given back, a C peer asleep in
 * {@code sem_wait} is woken by this JVM's release, a waiting acquire here completes on the C
 * peer's post, and a permit a killed C peer held is gone for good, as the javadoc warns.
 */
@Timeout(60)
@DisplayName("A POSIX semaphore shared with a C peer")
class SyncPosixCPeerIT {

    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path compiled;
    private static Path peer;

    @RegisterExtension
    final OsResources os = new OsResources();

    /** The C peer, compiled once for the class; in the test, so that a missing gcc skips it. */
    static synchronized Path peer() throws IOException {
        if (peer == null) {
            try (InputStream in = SyncPosixCPeerIT.class.getResourceAsStream("posix_sem_peer.c")) {
                if (in == null) {
                    throw new IllegalStateException("posix_sem_peer.c is missing from the test classpath");
                }
                peer = CProgram.compile(compiled, "posix_sem_peer", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return peer;
    }

    /** A POSIX semaphore of one permit, created here and removed after the test even when it fails. */
    PosixSemaphore create(SyncObjects objects) {
        os.onRelease("remove " + objects, objects::remove);
        return os.track(PosixSemaphore.named(objects.posix()).permits(1).openNow(WAIT));
    }

    /** The C peer on the POSIX semaphore of {@code objects}, once it has opened it. */
    Peer startC(Path exe, SyncObjects objects) {
        Peer c = Peer.start(os, ChildProcess.command(exe.toString(), objects.posix()));
        c.expect("opened");
        return c;
    }

    /** Sends {@code command} to the C peer and checks its answer. */
    static void ask(Peer c, String command, String answer) {
        c.tell(command);
        c.expect(answer);
    }

    @Test
    @DisplayName("refuses the C peer's sem_trywait with EAGAIN while this JVM holds the only permit and grants it once this JVM releases; then refuses tryAcquire here and runs work waiting for a permit (withPermit) when the C peer posts")
    void permitGoesBackAndForth() throws IOException {
        Path exe = peer();
        SyncObjects objects = SyncObjects.unique("posix-c");
        PosixSemaphore semaphore = create(objects);
        Permit javaHolds = os.track(semaphore.tryAcquire().orElseThrow(() -> new AssertionError("no permit")));
        Peer c = startC(exe, objects);

        ask(c, "trywait", "trywait EAGAIN");
        ask(c, "value", "value 0");
        javaHolds.release();
        ask(c, "value", "value 1");
        ask(c, "trywait", "trywait ok");

        assertThat(semaphore.tryAcquire()).as("a permit while the C peer holds the only one").isEmpty();
        assertThat(semaphore.available()).isZero();
        StepVerifier.create(semaphore.withPermit(Mono.just("holding")))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(300))
                .then(() -> ask(c, "post", "post ok"))
                .expectNext("holding")
                .expectComplete()
                .verify(WAIT);

        ask(c, "value", "value 1");
        c.endInput();
        c.expectSuccess();
        assertThat(semaphore.available()).isOne();
    }

    @Test
    @DisplayName("wakes a C peer asleep in sem_wait, in the kernel, when this JVM releases the permit it held")
    void releaseWakesCWaiter() throws IOException {
        Path exe = peer();
        SyncObjects objects = SyncObjects.unique("posix-c-wait");
        PosixSemaphore semaphore = create(objects);
        Permit javaHolds = os.track(semaphore.tryAcquire().orElseThrow(() -> new AssertionError("no permit")));
        Peer c = startC(exe, objects);
        ProcessProbe probe = ProcessProbe.of(c.pid());

        ask(c, "wait", "waiting");
        Eventually.holds(Duration.ofSeconds(10), () -> "C peer asleep in sem_wait: " + probe,
                () -> probe.isBlockedIn("futex"));
        javaHolds.release();
        c.expect("wait ok");

        assertThat(semaphore.tryAcquire()).as("a permit while the C peer holds the only one").isEmpty();
        ask(c, "post", "post ok");
        c.endInput();
        c.expectSuccess();
        assertThat(semaphore.available()).isOne();
    }

    @Test
    @DisplayName("never gets back the permit of a C peer killed with SIGKILL while holding it: no acquire here completes and the value stays 0, as PosixSemaphore warns")
    void permitOfKilledPeerIsLost() throws IOException {
        Path exe = peer();
        SyncObjects objects = SyncObjects.unique("posix-c-killed");
        PosixSemaphore semaphore = create(objects);
        Peer c = startC(exe, objects);
        ask(c, "trywait", "trywait ok");

        c.kill();

        assertThat(semaphore.available()).as("free permits after the holder was killed").isZero();
        StepVerifier.create(semaphore.acquire())
                .expectSubscription()
                .expectNoEvent(Duration.ofSeconds(1))
                .thenCancel()
                .verify(WAIT);
        assertThat(semaphore.tryAcquire()).isEmpty();
    }
}
