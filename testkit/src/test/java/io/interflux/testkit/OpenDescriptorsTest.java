package io.interflux.testkit;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(30)
@DisplayName("OpenDescriptors")
class OpenDescriptorsTest {

    @Test
    @DisplayName("sees a file opened since a snapshot, by number and target, and its release")
    void seesOpenAndRelease(@TempDir Path dir) throws Exception {
        Path file = Files.createFile(dir.resolve("watched"));
        Map<Integer, String> before = OpenDescriptors.snapshot();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            assertThat(OpenDescriptors.openedSince(before).values()).containsExactly(file.toString());
            // the JVM may open or close a descriptor of its own meanwhile (a jar, a JIT log):
            // count() agrees with a snapshot taken beside it, not with one taken earlier
            Map<Integer, String> now = OpenDescriptors.snapshot();
            assertThat(now).containsValue(file.toString());
            assertThat(OpenDescriptors.count()).isCloseTo(now.size(), org.assertj.core.api.Assertions.within(2));
        }
        OpenDescriptors.assertReleased(before, Duration.ofSeconds(5));
        assertThat(OpenDescriptors.awaitAtMost(before.size(), Duration.ofSeconds(5))).isLessThanOrEqualTo(before.size());
    }

    @Test
    @DisplayName("names a descriptor that is still open when release is asserted")
    void namesALeak(@TempDir Path dir) throws Exception {
        Path file = Files.createFile(dir.resolve("leaked"));
        Map<Integer, String> before = OpenDescriptors.snapshot();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            assertThatThrownBy(() -> OpenDescriptors.assertReleased(before, Duration.ofMillis(50)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining(file.toString());
        }
    }
}
