package io.interflux.testkit;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
@DisplayName("LeakCheck")
class LeakCheckTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("sees a pipe, a child process and a FIFO left open, and nothing once they are gone")
    void seesWhatIsLeft() throws Exception {
        Map<String, Set<String>> before = LeakCheck.snapshot();
        Pipe pipe = Pipe.open();
        Process child = new ProcessBuilder("sleep", "30").start();
        Path fifo = Path.of(System.getProperty("java.io.tmpdir"), "leakcheck-" + ProcessHandle.current().pid());
        new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor(10, TimeUnit.SECONDS);
        try {
            Map<String, Set<String>> left = LeakCheck.leftSince(before);
            assertThat(left.get("descriptors")).anySatisfy(d -> assertThat(d).contains("pipe:"));
            assertThat(left.get("child processes")).anySatisfy(p -> assertThat(p).startsWith(child.pid() + " "));
            assertThat(left.get("FIFO files")).contains(fifo.toString());
        } finally {
            pipe.source().close();
            pipe.sink().close();
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            child.getInputStream().close();
            child.getOutputStream().close();
            child.getErrorStream().close();
            Files.deleteIfExists(fifo);
        }
        assertThat(LeakCheck.leftSince(before)).isEmpty();
    }
}
