package io.interflux.fifo;

import io.interflux.Creation;
import io.interflux.testkit.OpenDescriptors;

import io.interflux.IpcException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(20)
@DisplayName("FifoSpec creates, checks and removes FIFOs safely")
class FifoSpecTest {

    private static final Duration LIMIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    @Test
    @DisplayName("a spec is immutable and touches nothing until opened")
    void specIsLazyAndImmutable() {
        Path p = dir.resolve("lazy");
        FifoSpec<byte[]> a = Fifo.at(p);
        FifoSpec<byte[]> b = a.mode(0640).persistent(true);
        assertThat(a.mode).isEqualTo(0600);
        assertThat(a.persistent).isFalse();
        assertThat(b.mode).isEqualTo(0640);
        a.openReader();
        a.openWriter();
        a.receive();
        assertThat(Files.exists(p, LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    @DisplayName("a created FIFO gets mode 0600 by default")
    void defaultMode() throws Exception {
        Path p = dir.resolve("default");
        FifoReader<byte[]> r = Fifo.at(p).openReader().block(LIMIT);
        try {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).isEqualTo("rw-------");
            assertThat(Files.readAttributes(p, "unix:mode", LinkOption.NOFOLLOW_LINKS).get("mode"))
                    .isEqualTo(0010600);
        } finally {
            r.dispose();
        }
    }

    @Test
    @DisplayName("the mode is applied exactly: the umask does not narrow 0666, nor widen 0400")
    void exactMode() throws Exception {
        for (int mode : new int[] {0666, 0400, 0620}) {
            Path p = dir.resolve("mode" + Integer.toOctalString(mode));
            FifoReader<byte[]> r = Fifo.at(p).mode(mode).openReader().block(LIMIT);
            try {
                int actual = (int) Files.readAttributes(p, "unix:mode", LinkOption.NOFOLLOW_LINKS).get("mode") & 0777;
                assertThat(Integer.toOctalString(actual)).isEqualTo(Integer.toOctalString(mode));
            } finally {
                r.dispose();
            }
        }
    }

    @Test
    @DisplayName("an existing FIFO keeps its own mode")
    void existingKeepsMode() throws Exception {
        Path p = dir.resolve("existing");
        Process mk = new ProcessBuilder("mkfifo", "-m", "0644", p.toString()).start();
        assertThat(mk.waitFor()).isZero();
        FifoReader<byte[]> r = Fifo.at(p).mode(0600).openReader().block(LIMIT);
        r.dispose();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).isEqualTo("rw-r--r--");
        assertThat(Files.exists(p)).as("not ours, so not unlinked").isTrue();
    }

    @Test
    @DisplayName("a path that is a regular file is refused and left alone")
    void refusesRegularFile() throws Exception {
        Path p = Files.writeString(dir.resolve("plain"), "data");
        assertThatThrownBy(() -> Fifo.at(p).openReader().block(LIMIT))
                .isInstanceOf(IpcException.class)
                .hasMessageContaining("a regular file, not a FIFO");
        assertThatThrownBy(() -> Fifo.at(p).waitForReader(false).openWriter().block(LIMIT))
                .isInstanceOf(IpcException.class)
                .hasMessageContaining("not a FIFO");
        assertThat(Files.readString(p)).isEqualTo("data");
    }

    @Test
    @DisplayName("a symbolic link is not followed, even to a real FIFO")
    void refusesSymlink() throws Exception {
        Path target = dir.resolve("real");
        FifoReader<byte[]> r = Fifo.at(target).openReader().block(LIMIT);
        try {
            Path link = Files.createSymbolicLink(dir.resolve("link"), target);
            assertThatThrownBy(() -> Fifo.at(link).openReader().block(LIMIT))
                    .isInstanceOf(IpcException.class)
                    .hasMessageContaining("a symbolic link");
            Path dangling = Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("nowhere"));
            assertThatThrownBy(() -> Fifo.at(dangling).openReader().block(LIMIT))
                    .isInstanceOf(IpcException.class);
            assertThat(Files.exists(dir.resolve("nowhere"), LinkOption.NOFOLLOW_LINKS))
                    .as("mkfifo did not create the link's target").isFalse();
        } finally {
            r.dispose();
        }
    }

    @Test
    @DisplayName("paths climbing with '..' are rejected before any system call")
    void rejectsDotDot() {
        assertThatThrownBy(() -> Fifo.at(dir.resolve("../escape")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'..'");
        assertThatThrownBy(() -> Fifo.at(""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Fifo.at(dir.resolve("x")).mode(01777))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("01777");
    }

    @Test
    @DisplayName("creation(OPEN_EXISTING) fails an absent FIFO with ENOENT, creation(CREATE_NEW) an existing one with EEXIST")
    void creationModes() {
        Path p = dir.resolve("absent");
        assertThatThrownBy(() -> Fifo.at(p).creation(Creation.OPEN_EXISTING).openReader().block(LIMIT))
                .isInstanceOfSatisfying(IpcException.class, e -> assertThat(e.errnoName()).isEqualTo("ENOENT"));
        assertThat(Files.exists(p, LinkOption.NOFOLLOW_LINKS)).isFalse();
        FifoReader<byte[]> first = Fifo.at(p).creation(Creation.CREATE_NEW).openReader().block(LIMIT);
        try {
            assertThatThrownBy(() -> Fifo.at(p).creation(Creation.CREATE_NEW).openReader().block(LIMIT))
                    .isInstanceOfSatisfying(IpcException.class, e -> assertThat(e.errnoName()).isEqualTo("EEXIST"));
        } finally {
            first.dispose();
        }
    }

    @Test
    @DisplayName("by default disposing removes the FIFO this opening created, and only that; removeOnDispose(false) keeps it")
    void removeOnDispose() throws Exception {
        Path p = dir.resolve("temp");
        FifoReader<byte[]> r = Fifo.at(p).openReader().block(LIMIT);
        assertThat(Files.exists(p, LinkOption.NOFOLLOW_LINKS)).isTrue();
        r.dispose();
        r.onDispose().block(LIMIT);
        assertThat(Files.exists(p, LinkOption.NOFOLLOW_LINKS)).isFalse();

        Path kept = dir.resolve("kept");
        FifoReader<byte[]> owner = Fifo.at(kept).removeOnDispose(false).openReader().block(LIMIT);
        FifoReader<byte[]> other = Fifo.at(kept).openReader().block(LIMIT);
        other.dispose();
        owner.dispose();
        assertThat(Files.exists(kept, LinkOption.NOFOLLOW_LINKS)).as("created by the first open, which keeps it").isTrue();
    }

    @Test
    @DisplayName("a FIFO replaced at the path after creation is not unlinked")
    void replacedNotUnlinked() throws Exception {
        Path p = dir.resolve("replaced");
        FifoReader<byte[]> r = Fifo.at(p).removeOnDispose(true).openReader().block(LIMIT);
        Files.delete(p);
        Files.writeString(p, "someone else's");
        r.dispose();
        assertThat(Files.readString(p)).isEqualTo("someone else's");
    }

    @Test
    @DisplayName("opening and disposing leaves no descriptor behind")
    void noLeak() throws Exception {
        Path p = dir.resolve("leak");
        Fifo.at(p).openReader().block(LIMIT).dispose(); // warm up lazily created loop descriptors
        var before = OpenDescriptors.snapshot();
        for (int i = 0; i < 20; i++) {
            FifoReader<byte[]> r = Fifo.at(p).openReader().block(LIMIT);
            FifoWriter<byte[]> w = Fifo.at(p).openWriter().block(LIMIT);
            w.dispose();
            r.dispose();
        }
        assertThat(OpenDescriptors.pointingAt(p)).isZero();
        OpenDescriptors.assertReleased(before, java.time.Duration.ofSeconds(10));
    }
}
