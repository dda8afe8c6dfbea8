package io.interflux.it.pipe;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.testkit.ChildJvm;
import io.interflux.it.support.OsResources;
import io.interflux.pipe.ChildProcess;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The maximum frame size is a limit, not an allocation: a 256 MiB maximum read by a JVM with a
 * 128 MiB heap carries a million 10-byte frames.
 */
@Timeout(120)
@DisplayName("A large maximum frame size")
class LargeMaximumIT {

    static final Duration WAIT = Duration.ofSeconds(90);
    static final int FRAMES = 1_000_000;

    @RegisterExtension
    final OsResources os = new OsResources();

    @TempDir
    Path dir;

    @Test
    @DisplayName("lengthPrefixed(256 MiB) with 10-byte frames runs under -Xmx128m")
    void smallHeap() throws IOException {
        Path frames = dir.resolve("frames.bin");
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(frames)))) {
            for (int i = 0; i < FRAMES; i++) {
                out.writeInt(6);
                out.writeBytes(String.format("%06d", i % 1_000_000));
            }
        }
        ChildProcess reader = os.track(ChildJvm.of(LargeMaximumReader.class, frames.toString(), String.valueOf(256 << 20))
                .jvmOptions("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
                .as(ChildProcess::command).start().block(WAIT));
        StepVerifier.create(reader.stdout(Framing.lines(), Codec.utf8()).concatWith(reader.succeeded()))
                .expectNext("frames=" + FRAMES + " bytes=" + 6L * FRAMES)
                .expectComplete()
                .verify(WAIT);
    }
}
