package io.interflux.it.pipe;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A child JVM that writes {@code tick 0}, {@code tick 1}, ... to stdout as fast as the pipe takes
 * them, until it is killed or its reader goes away (then a write fails and it exits with 2; unlike
 * {@link System#out}, the stream here does not swallow the error).
 */
public final class EndlessTicker {

    private EndlessTicker() {
    }

    /** Runs the ticker; no arguments. */
    public static void main(String[] args) {
        try (OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 8192)) {
            for (long n = 0; ; n++) {
                out.write(("tick " + n + "\n").getBytes(StandardCharsets.US_ASCII));
            }
        } catch (IOException e) {
            System.exit(2);
        }
    }
}
