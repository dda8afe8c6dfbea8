package io.interflux.it.support;

import io.interflux.pipe.ChildExitException;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.Stdio;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A small C peer compiled with {@code gcc} during the test, for what neither a JVM nor a shell
 * tool shows plainly: descriptor flags, raw system calls, exact byte layouts.
 *
 * <pre>{@code
 * Path peer = CProgram.compile(tempDir, "fd_report", SOURCE);
 * ChildProcess.command(peer.toString()).start()
 * }</pre>
 *
 * A test that needs one is skipped (not failed) where {@code gcc} is not installed.
 */
public final class CProgram {

    /** How long a compilation may take on a busy machine. */
    public static final Duration COMPILE_TIMEOUT = Duration.ofSeconds(60);

    private CProgram() {
    }

    /** Whether {@code executable} is found in this JVM's {@code PATH}. */
    public static boolean onPath(String executable) {
        String path = System.getenv("PATH");
        return path != null && List.of(path.split(File.pathSeparator)).stream()
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, executable)));
    }

    /**
     * Writes {@code source} to {@code dir/name.c} and compiles it to {@code dir/name} with
     * {@code gcc -O2 -Wall -Werror}; returns the executable. Skips the calling test when gcc is
     * missing; fails it, with gcc's messages, when the source does not compile.
     */
    public static Path compile(Path dir, String name, String source) throws IOException {
        assumeTrue(onPath("gcc"), "gcc is not installed");
        Path c = Files.writeString(dir.resolve(name + ".c"), source);
        Path exe = dir.resolve(name);
        ChildProcess gcc = ChildProcess.command("gcc", "-O2", "-Wall", "-Werror", "-o", exe.toString(), c.toString())
                .stdin(Stdio.discard())
                .stdout(Stdio.discard())
                .start().block(COMPILE_TIMEOUT);
        try {
            // gcc's stderr is captured by default: a failed compile carries its messages
            gcc.succeeded().onErrorMap(ChildExitException.class,
                    e -> new AssertionError("gcc failed on " + c + ": " + e.getMessage(), e))
                    .block(COMPILE_TIMEOUT);
            return exe;
        } finally {
            gcc.dispose();
        }
    }
}
