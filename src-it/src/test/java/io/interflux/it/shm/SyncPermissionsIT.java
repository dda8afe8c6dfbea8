package io.interflux.it.shm;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.IpcException;
import io.interflux.it.support.OsResources;
import io.interflux.it.support.SemaphoreSets;
import io.interflux.pipe.ChildProcess;
import io.interflux.shm.Permit;
import io.interflux.shm.PosixSemaphore;
import io.interflux.shm.SharedSemaphore;
import io.interflux.shm.SharedValues;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What shared values and semaphores leave on the system, as the real {@code ls -l /dev/shm} and
 * {@code ipcs -s} show it: files and a semaphore set exactly as private as the spec's mode, kept
 * while another JVM has them open, even past their creator's dispose, and all removed by the
 * last opening out once it has given back its permits; and what the removal of a set behind
 * their backs ({@code ipcrm -s}) does to acquires still waiting, here and in another JVM.
 */
@Timeout(60)
@DisplayName("Shared values' and semaphores' files in /dev/shm and sets in ipcs -s")
class SyncPermissionsIT {

    static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    final OsResources os = new OsResources();

    /** {@code ls -l /dev/shm}: the permission string of every file of {@code objects}, by name. */
    Map<String, String> ls(SyncObjects objects) {
        ChildProcess ls = os.track(ChildProcess.command("ls", "-l", "/dev/shm").start().block(WAIT));
        List<String> lines = ls.stdout(Framing.lines(), Codec.utf8()).collectList().block(WAIT);
        assertThat(ls.exit().block(WAIT)).as("ls exit status, stderr: %s", ls.capturedStderr()).isZero();
        // "-rw------- 1 root root 128 Dec  1 11:45 ifx-it-sync-...": the mode first, the name last
        String prefix = objects.fileNamePrefix();
        return lines.stream().map(l -> l.split("\\s+"))
                .filter(f -> f.length >= 9 && (f[f.length - 1].startsWith(prefix)
                        || f[f.length - 1].startsWith("sem." + prefix)))
                .collect(Collectors.toMap(f -> f[f.length - 1], f -> f[0]));
    }

    @ParameterizedTest(name = "mode {0}")
    @CsvSource({"0600, -rw-------, 600", "0660, -rw-rw----, 660"})
    @DisplayName("creates the values segment, the semaphore's file and set, and a POSIX semaphore with exactly the mode asked for (the umask 022 does not narrow it), as ls -l and ipcs -s show them; keeps them while another JVM attaches and disposes; leaves nothing after its own dispose")
    void modeAndRemoval(String mode, String fileMode, String setPerms) {
        int bits = Integer.parseInt(mode, 8);
        SyncObjects objects = SyncObjects.unique("mode");
        os.onRelease("remove " + objects, objects::remove);
        SharedValues values = os.track(SharedValues.named(objects.values()).mode(bits).openNow(WAIT));
        SharedSemaphore semaphore = os.track(objects.remember(SharedSemaphore.named(objects.semaphore()).permits(2)
                .mode(bits).openNow(WAIT)));
        PosixSemaphore posix = os.track(PosixSemaphore.named(objects.posix()).mode(bits).openNow(WAIT));
        Map<String, String> expected = Map.of(
                objects.valuesFile().getFileName().toString(), fileMode,
                objects.semaphoreFile().getFileName().toString(), fileMode,
                objects.posixFile().getFileName().toString(), fileMode);
        SemaphoreSets.Set set = new SemaphoreSets.Set(semaphore.id(), setPerms, 2);

        // a trailing '.' or '+' would say an SELinux context or an ACL grants more: none may
        assertThat(ls(objects)).isEqualTo(expected);
        assertThat(SemaphoreSets.listed()).as("ipcs -s").containsEntry(semaphore.id(), set);

        Peer attacher = Peer.start(os, SyncPeer.jvm("attach", objects.values(), objects.semaphore(), objects.posix())
                .as(ChildProcess::command));
        attacher.expect("attached " + semaphore.id() + " 2");
        attacher.expect("disposed");
        attacher.expectSuccess();
        assertThat(ls(objects)).as("the files after another JVM attached and disposed").isEqualTo(expected);
        assertThat(SemaphoreSets.listed()).containsEntry(semaphore.id(), set);

        values.dispose();
        semaphore.dispose();
        posix.dispose();
        values.onDispose().block(WAIT);
        semaphore.onDispose().block(WAIT);
        posix.onDispose().block(WAIT);
        assertThat(ls(objects)).as("what ls -l /dev/shm still shows").isEmpty();
        assertThat(objects.left()).as("what is left in /dev/shm").isEmpty();
        assertThat(SemaphoreSets.listed()).as("ipcs -s after dispose").doesNotContainKey(set.id());
    }

    @Test
    @DisplayName("keeps the values segment, the semaphore's file and its set while another JVM has them open after their creator disposed them; that JVM, the last opening out, removes them all when it disposes")
    void lastOpeningOutRemoves() {
        SyncObjects objects = SyncObjects.unique("last-out");
        os.onRelease("remove " + objects, objects::remove);
        SharedValues values = os.track(SharedValues.named(objects.values()).openNow(WAIT));
        SharedSemaphore semaphore = os.track(objects.remember(SharedSemaphore.lock(objects.semaphore()).openNow(WAIT)));
        Peer other = Peer.start(os, SyncPeer.jvm("stay", objects.values(), objects.semaphore()).as(ChildProcess::command));
        other.expect("attached " + semaphore.id());

        values.dispose();
        semaphore.dispose();
        semaphore.onDispose().block(WAIT);
        assertThat(objects.left()).as("what is in /dev/shm while %s has them open", other)
                .containsExactlyInAnyOrder(objects.valuesFile(), objects.semaphoreFile());
        assertThat(SemaphoreSets.listed()).as("ipcs -s while %s has the semaphore open", other)
                .containsKey(semaphore.id());

        other.endInput();
        other.expect("disposed");
        other.expectSuccess();
        assertThat(objects.left()).as("what is left in /dev/shm").isEmpty();
        assertThat(SemaphoreSets.listed()).as("ipcs -s").doesNotContainKey(semaphore.id());
    }

    @Test
    @DisplayName("removes its set and file only once it has given back the permit it held when it was disposed")
    void removalWaitsForHeldPermit() {
        SyncObjects objects = SyncObjects.unique("held-at-dispose");
        os.onRelease("remove " + objects, objects::remove);
        SharedSemaphore lock = os.track(objects.remember(SharedSemaphore.lock(objects.semaphore()).openNow(WAIT)));
        Permit held = os.track(lock.tryAcquire().orElseThrow(() -> new AssertionError("the lock is not free")));

        lock.dispose();
        assertThat(SemaphoreSets.listed()).as("ipcs -s while the permit is held").containsKey(lock.id());
        assertThat(objects.left()).as("what is in /dev/shm while the permit is held")
                .containsExactly(objects.semaphoreFile());

        held.release();
        lock.onDispose().block(WAIT);
        assertThat(SemaphoreSets.listed()).as("ipcs -s once the permit is back").doesNotContainKey(lock.id());
        assertThat(objects.left()).as("what is left in /dev/shm").isEmpty();
    }

    @Test
    @DisplayName("fails an acquire waiting in another JVM, and one waiting here, with an IpcException naming the semaphore within seconds of its set's removal by ipcrm -s, instead of waiting for ever; the permit held here is then given back without error, and dispose still removes the file")
    void waitingAcquireFailsOnRemoval() {
        SyncObjects objects = SyncObjects.unique("removed");
        os.onRelease("remove " + objects, objects::remove);
        SharedSemaphore lock = os.track(objects.remember(SharedSemaphore.lock(objects.semaphore()).openNow(WAIT)));
        Permit held = os.track(lock.tryAcquire().orElseThrow(() -> new AssertionError("the lock is not free")));
        Peer waiter = Peer.start(os, SyncPeer.jvm("wait", objects.semaphore()).as(ChildProcess::command));
        waiter.expect("waiting");
        AtomicLong removedAt = new AtomicLong();

        // the lock is not reentrant: a second acquire of this process waits as the other JVM's does
        StepVerifier.create(lock.acquire())
                .expectSubscription()
                .then(() -> waiter.expectNone(Duration.ofMillis(500)))
                .then(() -> {
                    removedAt.set(System.nanoTime());
                    SemaphoreSets.remove(lock.id());
                })
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(IpcException.class).hasMessageContaining(objects.semaphore());
                    assertThat(((IpcException) e).errnoName()).isIn("EINVAL", "EIDRM");
                })
                .verify(WAIT);

        String failed = waiter.next();
        long ms = (System.nanoTime() - removedAt.get()) / 1_000_000;
        System.out.println("[sync] waiting acquires failed within " + ms + " ms of ipcrm: " + failed);
        assertThat(failed).startsWith("failed IpcException ").contains(objects.semaphore());
        waiter.expectSuccess();

        held.release();
        assertThat(held.isDisposed()).isTrue();
        lock.dispose();
        lock.onDispose().block(WAIT);
        assertThat(objects.left()).as("what is left in /dev/shm").isEmpty();
    }
}
