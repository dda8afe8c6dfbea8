package io.interflux.shm;

import io.interflux.Creation;
import io.interflux.DisposedException;
import io.interflux.IpcException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SharedValuesTest {

    static final Duration WAIT = Duration.ofSeconds(10);

    private final List<SharedValues> opened = new ArrayList<>();
    private final List<String> names = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        opened.forEach(SharedValues::dispose);
        names.forEach(RingNames::remove);
    }

    private String name() {
        String n = RingNames.unique("values");
        names.add(n);
        return n;
    }

    private SharedValues open(SharedValuesSpec spec) {
        SharedValues v = spec.openNow(WAIT);
        opened.add(v);
        return v;
    }

    @Test
    @DisplayName("two openings of one name see each other's values: set, getAndAdd, compareAndSet, getAndSet")
    void twoOpeningsShareValues() {
        String n = name();
        SharedValues a = open(SharedValues.named(n).slots(4));
        SharedValues b = open(SharedValues.named(n));
        assertThat(a.created()).isTrue();
        assertThat(b.created()).isFalse();
        assertThat(b.slots()).isEqualTo(4);
        SharedLong la = a.longValue(0);
        SharedLong lb = b.longValue(0);
        la.set(40);
        assertThat(lb.getAndAdd(2)).isEqualTo(40);
        assertThat(la.get()).isEqualTo(42);
        assertThat(lb.compareAndSet(41, 0)).isFalse();
        assertThat(lb.compareAndSet(42, 1L << 40)).isTrue();
        assertThat(la.get()).isEqualTo(1L << 40);
        assertThat(la.getAndSet(7)).isEqualTo(1L << 40);
        assertThat(lb.addAndGet(3)).isEqualTo(10);
        SharedInt ia = a.intValue(1);
        SharedInt ib = b.intValue(1);
        ia.setRelease(-5);
        assertThat(ib.getAndAdd(6)).isEqualTo(-5);
        assertThat(ia.compareAndSet(1, 9)).isTrue();
        assertThat(ib.get()).isEqualTo(9);
        assertThat(la.get()).as("slot 0 untouched by slot 1").isEqualTo(10);
    }

    @Test
    @DisplayName("atomic adds from four threads over two mappings lose nothing")
    void atomicAddsLoseNothing() throws InterruptedException {
        String n = name();
        SharedValues a = open(SharedValues.named(n).slots(1));
        SharedValues b = open(SharedValues.named(n));
        int perThread = 200_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            SharedLong counter = (t % 2 == 0 ? a : b).longValue(0);
            Thread th = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    counter.getAndAdd(1);
                }
            });
            th.start();
            threads.add(th);
        }
        start.countDown();
        for (Thread th : threads) {
            th.join(20_000);
        }
        assertThat(a.longValue(0).get()).isEqualTo(4L * perThread);
    }

    @Test
    @DisplayName("a created segment is exactly 0600 by default, or exactly the mode asked for, whatever the umask")
    void modeIsExact() throws IOException {
        String n = name();
        open(SharedValues.named(n));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(RingNames.segment(n))))
                .isEqualTo("rw-------");
        String m = name();
        open(SharedValues.named(m).mode(0666));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(RingNames.segment(m))))
                .isEqualTo("rw-rw-rw-");
    }

    @Test
    @DisplayName("dispose removes the segment its opening created, not one it attached to, and later use is refused")
    void disposeRemovesWhatItCreated() {
        String n = name();
        SharedValues creator = open(SharedValues.named(n));
        SharedValues attached = open(SharedValues.named(n));
        SharedLong value = attached.longValue(3);
        attached.dispose();
        assertThat(attached.onDispose().block(WAIT)).isNull();
        assertThat(Files.exists(RingNames.segment(n))).isTrue();
        assertThatThrownBy(value::get).isInstanceOf(DisposedException.class).hasMessageContaining(n);
        creator.longValue(3).set(5);
        creator.dispose();
        assertThat(Files.exists(RingNames.segment(n))).isFalse();
        SharedValues kept = open(SharedValues.named(name()).removeOnDispose(false));
        kept.dispose();
        assertThat(Files.exists(kept.path())).isTrue();
    }

    @Test
    @DisplayName("an index outside the segment is refused naming the slots it has")
    void indexChecked() {
        SharedValues v = open(SharedValues.named(name()).slots(2));
        assertThatThrownBy(() -> v.longValue(2)).isInstanceOf(IndexOutOfBoundsException.class)
                .hasMessageContaining("slot 2").hasMessageContaining("2 slots");
        assertThatThrownBy(() -> v.intValue(-1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    @DisplayName("bad slot counts, modes and names are refused with the value in the message")
    void badValuesRefused() {
        assertThatThrownBy(() -> SharedValues.named("/x").slots(0)).hasMessageContaining("but it was 0");
        assertThatThrownBy(() -> SharedValues.named("/x").slots(ValuesDescriptor.MAX_SLOTS + 1))
                .hasMessageContaining(String.valueOf(ValuesDescriptor.MAX_SLOTS + 1));
        assertThatThrownBy(() -> SharedValues.named("/x").mode(01600)).hasMessageContaining("01600");
        assertThatThrownBy(() -> SharedValues.named("x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SharedValues.named("/a/b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SharedValues.file(Path.of("/dev/shm/../etc/x"))).hasMessageContaining("..");
    }

    @Test
    @DisplayName("an existing segment with another slot count, or another object's file, is refused naming both")
    void mismatchRefused(@TempDir Path dir) throws IOException {
        String n = name();
        open(SharedValues.named(n).slots(8));
        assertThatThrownBy(() -> SharedValues.named(n).slots(16).openNow(WAIT))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("8 slots").hasMessageContaining("16");
        Path ring = dir.resolve("ring");
        SharedRing r = SharedRing.file(ring).capacity(1024).openNow(WAIT);
        try {
            assertThatThrownBy(() -> SharedValues.file(ring).openNow(WAIT))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("IFXVALS1")
                    .hasMessageContaining("not an Interflux shared values segment");
        } finally {
            r.disposeNow(WAIT);
        }
    }

    @Test
    @DisplayName("creation choices: CREATE_NEW refuses an existing segment, OPEN_EXISTING a missing one; a link is never followed")
    void creationAndLinks(@TempDir Path dir) throws IOException {
        String n = name();
        open(SharedValues.named(n));
        assertThatThrownBy(() -> SharedValues.named(n).creation(Creation.CREATE_NEW).openNow(WAIT))
                .isInstanceOf(IpcException.class).hasMessageContaining("EEXIST");
        assertThatThrownBy(() -> SharedValues.named(name()).creation(Creation.OPEN_EXISTING).openNow(WAIT))
                .isInstanceOf(IpcException.class).hasMessageContaining("ENOENT").hasMessageContaining("no such");
        Path target = dir.resolve("target");
        Path link = dir.resolve("link");
        Files.createSymbolicLink(link, target);
        assertThatThrownBy(() -> SharedValues.file(link).openNow(WAIT))
                .isInstanceOf(IpcException.class).hasMessageContaining("ELOOP");
        assertThat(Files.exists(target)).as("nothing created through the link").isFalse();
    }

    @Test
    @DisplayName("a creator that disposes while another opening is open leaves the segment to it; the last one out removes it")
    void lastOneOutRemoves() {
        String n = name();
        SharedValues creator = open(SharedValues.named(n).slots(2));
        SharedValues user = open(SharedValues.named(n));
        creator.longValue(0).set(7);
        creator.disposeNow(WAIT);
        assertThat(Files.exists(RingNames.segment(n))).isTrue();
        SharedValues late = open(SharedValues.named(n));
        assertThat(late.longValue(0).get()).as("a newcomer meets the same values").isEqualTo(7);
        late.disposeNow(WAIT);
        user.disposeNow(WAIT);
        assertThat(Files.exists(RingNames.segment(n))).as("the last one out removed it").isFalse();
    }
}
