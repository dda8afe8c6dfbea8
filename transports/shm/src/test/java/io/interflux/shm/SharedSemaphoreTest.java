package io.interflux.shm;

import io.interflux.Creation;
import io.interflux.DisposedException;
import io.interflux.IpcException;
import io.interflux.shm.internal.SemLibC;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SharedSemaphoreTest {

    static final Duration WAIT = Duration.ofSeconds(10);

    private final List<SharedSemaphore> opened = new ArrayList<>();
    private final List<Permit> held = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final List<Integer> sets = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        held.forEach(Permit::release);
        opened.forEach(SharedSemaphore::dispose);
        for (SharedSemaphore s : opened) {
            s.onDispose().block(WAIT);
        }
        for (int id : sets) {
            SemLibC.get().semctl(id, 0, SemLibC.IPC_RMID, 0); // a failed test's leftovers; EINVAL when gone
        }
        names.forEach(RingNames::remove);
    }

    private String name() {
        String n = RingNames.unique("sem");
        names.add(n);
        return n;
    }

    private SharedSemaphore open(SharedSemaphoreSpec spec) {
        SharedSemaphore s = spec.openNow(WAIT);
        opened.add(s);
        sets.add(s.id());
        return s;
    }

    private Permit hold(Permit p) {
        held.add(p);
        return p;
    }

    @Test
    @DisplayName("an acquire takes a permit only once asked for one, and a held lock makes the next acquire wait for its release")
    void lockWaitsForRelease() {
        SharedSemaphore lock = open(SharedSemaphore.lock(name()));
        StepVerifier.create(lock.acquire(), 0)
                .expectSubscription()
                .then(() -> assertThat(lock.available()).as("no demand, no permit taken").isEqualTo(1))
                .thenRequest(1)
                .assertNext(p -> {
                    hold(p);
                    assertThat(lock.available()).isZero();
                })
                .verifyComplete();
        Permit first = held.get(0);
        StepVerifier.create(lock.acquire())
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(50))
                .then(first::release)
                .assertNext(p -> {
                    assertThat(p.previousHolderDied()).isFalse();
                    p.release();
                })
                .expectComplete()
                .verify(WAIT);
        assertThat(lock.available()).isEqualTo(1);
    }

    @Test
    @DisplayName("a cancel while waiting is immediate and takes no permit")
    void cancelWhileWaitingTakesNothing() {
        SharedSemaphore lock = open(SharedSemaphore.lock(name()));
        Permit p = hold(lock.tryAcquire().orElseThrow());
        AtomicInteger delivered = new AtomicInteger();
        Disposable waiting = lock.acquire().subscribe(x -> delivered.incrementAndGet());
        waiting.dispose();
        p.release();
        Optional<Permit> again = lock.tryAcquire();
        assertThat(again).as("the cancelled acquire left the permit free").isPresent();
        again.get().release();
        assertThat(delivered).hasValue(0);
        assertThat(lock.available()).isEqualTo(1);
    }

    @Test
    @DisplayName("withPermit holds the permit exactly while the inner publisher runs: released on completion, error and cancel")
    void withPermitHoldsExactlyWhileRunning() {
        SharedSemaphore lock = open(SharedSemaphore.lock(name()));
        StepVerifier.create(lock.withPermit(Mono.fromCallable(lock::available)))
                .expectNext(0)
                .verifyComplete();
        assertThat(lock.available()).isEqualTo(1);
        StepVerifier.create(lock.withPermit(Mono.error(new IllegalStateException("boom"))))
                .verifyErrorMessage("boom");
        assertThat(lock.available()).isEqualTo(1);
        Sinks.Empty<Void> never = Sinks.empty();
        StepVerifier.create(lock.withPermit(never.asMono()))
                .expectSubscription()
                .then(() -> assertThat(lock.available()).isZero())
                .thenCancel()
                .verify(WAIT);
        assertThat(lock.available()).isEqualTo(1);
    }

    @Test
    @DisplayName("a semaphore of three permits gives three, refuses the fourth, and takes it again once one is back")
    void countingSemaphore() {
        String n = name();
        SharedSemaphore pool = open(SharedSemaphore.named(n).permits(3));
        SharedSemaphore other = open(SharedSemaphore.named(n));
        assertThat(other.permits()).isEqualTo(3);
        Permit a = hold(pool.tryAcquire().orElseThrow());
        hold(other.tryAcquire().orElseThrow());
        hold(pool.tryAcquire().orElseThrow());
        assertThat(other.tryAcquire()).isEmpty();
        assertThat(pool.available()).isZero();
        StepVerifier.create(other.acquire())
                .expectSubscription()
                .then(a::release)
                .assertNext(this::hold)
                .expectComplete()
                .verify(WAIT);
        assertThat(pool.available()).isZero();
    }

    @Test
    @DisplayName("the next holder of a lock learns that the previous one died holding it, and which pid it was")
    void previousHolderDeathIsReported() throws IOException {
        String n = name();
        SharedSemaphore lock = open(SharedSemaphore.lock(n));
        // what a holder that died leaves: the kernel undid its permit, its holder count and pid stay
        assertThat(SemLibC.get().semctl(lock.id(), SemaphoreDescriptor.HELD, SemLibC.SETVAL, 1)).isZero();
        try (FileChannel ch = FileChannel.open(RingNames.segment(n), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_WRITE, 0, SemaphoreDescriptor.LENGTH);
            b.order(ByteOrder.LITTLE_ENDIAN).putInt(SemaphoreDescriptor.HOLDER_PID_OFFSET, 4242);
        }
        Permit p = lock.acquire().block(WAIT);
        assertThat(p.previousHolderDied()).isTrue();
        assertThat(p.previousHolderPid()).isEqualTo(4242);
        assertThat(p.toString()).contains("pid 4242 died");
        p.release();
        Permit next = lock.acquire().block(WAIT);
        assertThat(next.previousHolderDied()).as("a clean release is not a death").isFalse();
        assertThat(next.previousHolderPid()).isZero();
        next.release();
        assertThat(SemLibC.get().semctl(lock.id(), SemaphoreDescriptor.HELD, SemLibC.GETVAL, 0)).isZero();
    }

    @Test
    @DisplayName("permit counts outside 1..SEMVMX are refused naming the limit; another count than the existing one is refused")
    void permitCountsChecked() {
        assertThatThrownBy(() -> SharedSemaphore.named("/x").permits(-1)).hasMessageContaining("SEMVMX")
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> SharedSemaphore.named("/x").permits(0)).hasMessageContaining("but it was 0");
        assertThatThrownBy(() -> SharedSemaphore.named("/x").permits(SemLibC.SEMVMX + 1)).hasMessageContaining("32768");
        String n = name();
        open(SharedSemaphore.named(n).permits(2));
        assertThatThrownBy(() -> SharedSemaphore.named(n).permits(3).openNow(WAIT))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("2 permits").hasMessageContaining("3");
        assertThatThrownBy(() -> SharedSemaphore.named("no-slash")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("the file and the set are created 0600, and the creator's dispose removes both")
    void modeAndRemoval() throws IOException {
        String n = name();
        SharedSemaphore s = open(SharedSemaphore.named(n).permits(2));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(RingNames.segment(n))))
                .isEqualTo("rw-------");
        java.nio.ByteBuffer ds = java.nio.ByteBuffer.allocateDirect(SemLibC.SEMID_DS_SIZE)
                .order(ByteOrder.nativeOrder());
        assertThat(SemLibC.get().semctl(s.id(), 0, SemLibC.IPC_STAT, io.interflux.internal.Native.address(ds))).isZero();
        assertThat(ds.getShort(SemLibC.SEMID_DS_MODE) & 0777).isEqualTo(0600);
        s.disposeNow(WAIT);
        assertThat(Files.exists(RingNames.segment(n))).isFalse();
        assertThat(SemLibC.get().semctl(s.id(), 0, SemLibC.IPC_STAT, io.interflux.internal.Native.address(ds)))
                .as("the set is gone").isEqualTo(-1);
    }

    @Test
    @DisplayName("dispose with a permit still held waits for its release before removing; waiting acquires fail")
    void disposeWaitsForHeldPermits() {
        String n = name();
        SharedSemaphore lock = open(SharedSemaphore.lock(n));
        Permit p = hold(lock.tryAcquire().orElseThrow());
        StepVerifier.create(lock.acquire())
                .expectSubscription()
                .then(lock::dispose)
                .expectError(DisposedException.class)
                .verify(WAIT);
        assertThat(Files.exists(RingNames.segment(n))).as("kept while a permit is held").isTrue();
        assertThatThrownBy(() -> lock.acquire().block(WAIT)).isInstanceOf(DisposedException.class);
        p.release();
        StepVerifier.create(lock.onDispose()).verifyComplete();
        assertThat(Files.exists(RingNames.segment(n))).isFalse();
    }

    @Test
    @DisplayName("a waiter on a semaphore its creator removes fails naming the removal, and a file naming a gone set is refused")
    void removedUnderAWaiter() {
        String n = name();
        SharedSemaphore creator = open(SharedSemaphore.lock(n));
        SharedSemaphore attached = open(SharedSemaphore.lock(n));
        Permit p = creator.tryAcquire().orElseThrow();
        StepVerifier.create(attached.acquire())
                .expectSubscription()
                .then(() -> SemLibC.get().semctl(creator.id(), 0, SemLibC.IPC_RMID, 0)) // as another program would
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IpcException.class)
                        .hasMessageContaining(n).hasMessageContaining("removed"))
                .verify(WAIT);
        p.release(); // to a removed set: nothing to give back to, and no error
        assertThatThrownBy(() -> SharedSemaphore.lock(n).creation(Creation.OPEN_EXISTING).openNow(WAIT))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no longer exists");
    }

    @Test
    @DisplayName("a creator that disposes while another opening is open leaves the lock to it; the last one out removes it")
    void lastOneOutRemoves() {
        String n = name();
        SharedSemaphore creator = open(SharedSemaphore.lock(n));
        SharedSemaphore user = open(SharedSemaphore.lock(n));
        Permit p = user.tryAcquire().orElseThrow();
        creator.disposeNow(WAIT);
        assertThat(Files.exists(RingNames.segment(n))).as("kept for the opening still open").isTrue();
        SharedSemaphore late = open(SharedSemaphore.lock(n));
        assertThat(late.id()).as("a newcomer meets the same lock").isEqualTo(user.id());
        assertThat(late.tryAcquire()).as("still held by the user").isEmpty();
        p.release();
        late.disposeNow(WAIT);
        assertThat(Files.exists(RingNames.segment(n))).isTrue();
        user.disposeNow(WAIT);
        assertThat(Files.exists(RingNames.segment(n))).as("the last one out removed it").isFalse();
        assertThat(SemLibC.get().semctl(user.id(), 0, SemLibC.GETVAL, 0)).as("and its set").isEqualTo(-1);
    }
}
