package io.interflux.it.shm;

import io.interflux.Codec;
import io.interflux.Creation;
import io.interflux.Framing;
import io.interflux.IpcException;
import io.interflux.it.support.OsResources;
import io.interflux.pipe.ChildProcess;
import io.interflux.shm.SharedRing;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.test.StepVerifier;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a shared ring leaves in {@code /dev/shm}, as the real {@code ls -l} shows it: a segment
 * and two doorbell FIFOs exactly as private as the spec's mode, all removed when their creator
 * disposes the ring; and a symbolic link where the segment should be is refused, never followed.
 */
@Timeout(30)
@DisplayName("A shared ring's files in /dev/shm")
class ShmPermissionsIT {

    static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    final OsResources os = new OsResources();

    /** {@code ls -l /dev/shm}: the permission string of every entry of {@code files}, by name. */
    Map<String, String> ls(RingFiles files) {
        ChildProcess ls = os.track(ChildProcess.command("ls", "-l", "/dev/shm").start().block(WAIT));
        List<String> lines = ls.stdout(Framing.lines(), Codec.utf8()).collectList().block(WAIT);
        assertThat(ls.exit().block(WAIT)).as("ls exit status, stderr: %s", ls.capturedStderr()).isZero();
        // "-rw------- 1 root root 8960 Dec  1 11:45 ifx-it-...": the mode first, the name last
        return lines.stream().map(l -> l.split("\\s+"))
                .filter(f -> f.length >= 9 && f[f.length - 1].startsWith(files.fileName()))
                .collect(Collectors.toMap(f -> f[f.length - 1], f -> f[0]));
    }

    @ParameterizedTest(name = "mode {0}")
    @CsvSource({"0600, -rw-------, prw-------", "0640, -rw-r-----, prw-r-----"})
    @DisplayName("creates its segment and doorbells with exactly the mode asked for, as ls -l shows them, and leaves nothing behind after dispose")
    void modeAndRemoval(String mode, String segmentMode, String bellMode) {
        RingFiles files = RingFiles.unique("mode");
        os.onRelease("remove " + files, files::remove);
        SharedRing ring = os.track(SharedRing.named(files.name()).creation(Creation.CREATE_NEW).capacity(4096)
                .mode(Integer.parseInt(mode, 8)).openNow(WAIT));

        // a trailing '.' or '+' would say an SELinux context or an ACL grants more: none may
        assertThat(ls(files)).isEqualTo(Map.of(
                files.fileName(), segmentMode,
                files.fileName() + ".bell", bellMode,
                files.fileName() + ".space", bellMode));

        ring.dispose();
        ring.onDispose().block(WAIT);
        assertThat(ls(files)).as("what ls -l /dev/shm still shows of the ring").isEmpty();
        assertThat(files.left()).as("what is left of the ring").isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = Creation.class, names = {"OPEN_EXISTING", "OPEN_OR_CREATE"})
    @DisplayName("refuses a symbolic link where its segment should be, even to a real ring, with ELOOP, and neither follows nor changes it")
    void symbolicLinkToARing(Creation creation, @TempDir Path dir) throws IOException {
        RingFiles files = RingFiles.unique("link");
        os.onRelease("remove " + files, files::remove);
        // a ring in a file: following the link would attach to it without complaint
        Path target = dir.resolve("ring");
        SharedRing real = os.track(SharedRing.file(target).creation(Creation.CREATE_NEW).capacity(4096).openNow(WAIT));
        byte[] before = Files.readAllBytes(target);
        Files.createSymbolicLink(files.segment(), target);

        StepVerifier.create(SharedRing.named(files.name()).creation(creation).open())
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(IpcException.class)
                            .hasMessageContaining(files.segment().toString()).hasMessageContaining("ELOOP");
                    assertThat(((IpcException) e).errnoName()).isEqualTo("ELOOP");
                })
                .verify(WAIT);

        assertThat(Files.readAllBytes(target)).as("the link's target, byte for byte").isEqualTo(before);
        assertThat(Files.isSymbolicLink(files.segment())).as("the link is left as it was").isTrue();
        assertThat(files.left()).as("what exists of the ring in /dev/shm").containsExactly(files.segment());
        real.dispose();
    }

    @Test
    @DisplayName("does not create a segment through a dangling symbolic link: the open fails with ELOOP and the link's target is never made")
    void danglingSymbolicLink(@TempDir Path dir) throws IOException {
        RingFiles files = RingFiles.unique("dangling");
        os.onRelease("remove " + files, files::remove);
        Path target = dir.resolve("made-through-the-link");
        Files.createSymbolicLink(files.segment(), target);

        StepVerifier.create(SharedRing.named(files.name()).creation(Creation.OPEN_OR_CREATE).capacity(4096).open())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IpcException.class)
                        .hasMessageContaining("ELOOP"))
                .verify(WAIT);

        assertThat(Files.exists(target, LinkOption.NOFOLLOW_LINKS)).as("%s created through the link", target).isFalse();
        assertThat(files.left()).containsExactly(files.segment());
    }

    @Test
    @DisplayName("refuses to create a ring where a symbolic link is (CREATE_NEW fails with EEXIST) and leaves the link and its target alone")
    void createNewOverSymbolicLink(@TempDir Path dir) throws IOException {
        RingFiles files = RingFiles.unique("create-link");
        os.onRelease("remove " + files, files::remove);
        Path target = Files.writeString(dir.resolve("precious"), "not a ring");
        Files.createSymbolicLink(files.segment(), target);

        StepVerifier.create(SharedRing.named(files.name()).creation(Creation.CREATE_NEW).capacity(4096).open())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IpcException.class)
                        .hasMessageContaining("EEXIST"))
                .verify(WAIT);

        assertThat(Files.readString(target)).isEqualTo("not a ring");
        assertThat(files.left()).containsExactly(files.segment());
    }
}
