package io.interflux.it.pipe;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.it.support.CProgram;
import io.interflux.it.support.OsResources;
import io.interflux.pipe.ChildProcess;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a child sees of its descriptors, reported by a C peer: stdin, stdout and stderr as pipes
 * in blocking mode, and none of Interflux's own descriptors (another child's pipe ends, the epoll
 * instance, eventfds, pidfds). A pipe end leaking into a child keeps that pipe open behind the
 * library's back, so its reader never sees end of stream; a non-blocking flag would make
 * ordinary programs fail with {@code EAGAIN}.
 *
 * <p>Nor does it see the descriptors this JVM opened without {@code FD_CLOEXEC} (class-path
 * jars, {@code /dev/random}, sockets): the spawn closes everything above 2, as
 * {@link ProcessBuilder} does.
 */
@Timeout(60)
@DisplayName("A child's descriptors")
class ChildDescriptorsIT {

    static final Duration WAIT = Duration.ofSeconds(20);

    /** Prints "fd type mode target" for each open descriptor but the one listing /proc/self/fd. */
    static final String FD_REPORT = String.join("\n",
            "#include <dirent.h>",
            "#include <fcntl.h>",
            "#include <stdio.h>",
            "#include <stdlib.h>",
            "#include <sys/stat.h>",
            "#include <unistd.h>",
            "int main(void) {",
            "    DIR *dir = opendir(\"/proc/self/fd\");",
            "    if (dir == NULL) { perror(\"opendir\"); return 1; }",
            "    struct dirent *e;",
            "    while ((e = readdir(dir)) != NULL) {",
            "        if (e->d_name[0] == '.') continue;",
            "        int fd = atoi(e->d_name);",
            "        if (fd == dirfd(dir)) continue;",
            "        struct stat st;",
            "        if (fstat(fd, &st) != 0) continue;",
            "        int flags = fcntl(fd, F_GETFL);",
            "        const char *type = S_ISFIFO(st.st_mode) ? \"pipe\" : S_ISCHR(st.st_mode) ? \"char\"",
            "            : S_ISSOCK(st.st_mode) ? \"socket\" : S_ISREG(st.st_mode) ? \"file\" : \"other\";",
            "        char path[64], target[512];",
            "        snprintf(path, sizeof path, \"/proc/self/fd/%d\", fd);",
            "        ssize_t n = readlink(path, target, sizeof target - 1);",
            "        target[n < 0 ? 0 : n] = 0;",
            "        printf(\"%d %s %s %s\\n\", fd, type, (flags & O_NONBLOCK) ? \"nonblocking\" : \"blocking\", target);",
            "    }",
            "    closedir(dir);",
            "    return 0;",
            "}",
            "");

    @RegisterExtension
    final OsResources os = new OsResources();

    @TempDir
    Path dir;

    @Test
    @DisplayName("are stdin, stdout and stderr as blocking pipes and no Interflux descriptor, even while another child's pipes are open")
    void onlyTheStandardStreams() throws Exception {
        Path report = CProgram.compile(dir, "fd_report", FD_REPORT);
        // a sibling whose three pipe ends are open in this JVM while the peer starts
        os.track(ChildProcess.command("cat").start().block(WAIT));

        ChildProcess peer = os.track(ChildProcess.command(report.toString()).start().block(WAIT));

        List<String> lines = peer.stdout(Framing.lines(), Codec.utf8()).collectList().block(WAIT);
        StepVerifier.create(peer.exit()).expectNext(0).expectComplete().verify(WAIT);

        // "fd type mode target"
        assertThat(lines).as("the child's descriptors").hasSizeGreaterThanOrEqualTo(3);
        for (int fd = 0; fd <= 2; fd++) {
            assertThat(lines.get(fd)).as("descriptor %d", fd).startsWith(fd + " pipe blocking pipe:[");
        }
        List<String> others = lines.subList(3, lines.size());
        assertThat(others).as("descriptors of this JVM inherited by the child").isEmpty();
    }
}
