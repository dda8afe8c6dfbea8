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
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PosixSemaphoreTest {

    static final Duration WAIT = Duration.ofSeconds(10);

    private final List<PosixSemaphore> opened = new ArrayList<>();
    private final List<String> names = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        opened.forEach(PosixSemaphore::dispose);
        for (PosixSemaphore s : opened) {
            s.onDispose().block(WAIT);
        }
        names.forEach(n -> SemLibC.get().sem_unlink(n)); // a failed test's leftovers; ENOENT when gone
    }

    private String name() {
        String n = RingNames.unique("psem");
        names.add(n);
        return n;
    }

    private static Path file(String name) {
        return Paths.get("/dev/shm", "sem." + name.substring(1));
    }

    private PosixSemaphore open(PosixSemaphoreSpec spec) {
        PosixSemaphore s = spec.openNow(WAIT);
        opened.add(s);
        return s;
    }

    @Test
    @DisplayName("permits are taken with sem_trywait and given back with sem_post, across two openings")
    void takeAndGiveBack() {
        String n = name();
        PosixSemaphore a = open(PosixSemaphore.named(n).permits(2));
        PosixSemaphore b = open(PosixSemaphore.named(n));
        assertThat(a.created()).isTrue();
        assertThat(b.created()).isFalse();
        Permit p = a.tryAcquire().orElseThrow();
        Permit q = b.acquire().block(WAIT);
        assertThat(a.available()).isZero();
        assertThat(b.tryAcquire()).isEmpty();
        StepVerifier.create(b.acquire())
                .expectSubscription()
                .then(p::release)
                .assertNext(Permit::release)
                .expectComplete()
                .verify(WAIT);
        q.release();
        q.release(); // idempotent: one sem_post only
        assertThat(a.available()).isEqualTo(2);
    }

    @Test
    @DisplayName("a cancel while waiting takes no permit; withPermit gives its permit back")
    void cancelAndWithPermit() {
        PosixSemaphore s = open(PosixSemaphore.named(name()).permits(0));
        Disposable waiting = s.acquire().subscribe();
        waiting.dispose();
        assertThat(s.available()).isZero();
        jnr.ffi.Pointer peer = SemLibC.get().sem_open(s.name(), 0, 0, 0); // a peer's handle, as C would use it
        assertThat(SemLibC.get().sem_post(peer)).isZero();
        SemLibC.get().sem_close(peer);
        StepVerifier.create(s.withPermit(Mono.fromCallable(s::available))).expectNext(0).verifyComplete();
        assertThat(s.available()).isEqualTo(1);
    }

    @Test
    @DisplayName("a created semaphore is 0600 and the creator's dispose unlinks it; an opener's does not")
    void modeAndUnlink() throws IOException {
        String n = name();
        PosixSemaphore creator = open(PosixSemaphore.named(n));
        PosixSemaphore opener = open(PosixSemaphore.named(n));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file(n)))).isEqualTo("rw-------");
        opener.disposeNow(WAIT);
        assertThat(Files.exists(file(n))).isTrue();
        assertThatThrownBy(opener::available).isInstanceOf(DisposedException.class);
        creator.disposeNow(WAIT);
        assertThat(Files.exists(file(n))).isFalse();
    }

    @Test
    @DisplayName("bad names and values are refused; creation choices name the errno")
    void refusals() {
        assertThatThrownBy(() -> PosixSemaphore.named("/x").permits(-1)).hasMessageContaining("-1");
        assertThatThrownBy(() -> PosixSemaphore.named("x")).isInstanceOf(IllegalArgumentException.class);
        String n = name();
        open(PosixSemaphore.named(n));
        assertThatThrownBy(() -> PosixSemaphore.named(n).creation(Creation.CREATE_NEW).openNow(WAIT))
                .isInstanceOf(IpcException.class).hasMessageContaining("EEXIST").hasMessageContaining(n);
        assertThatThrownBy(() -> PosixSemaphore.named(name()).creation(Creation.OPEN_EXISTING).openNow(WAIT))
                .isInstanceOf(IpcException.class).hasMessageContaining("ENOENT");
    }
}
