package io.interflux.benchmarks;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;

/**
 * The child JVM of the 64-byte frame benchmark. For each 4-byte big-endian count {@code n} read
 * from stdin it writes {@code n} length-prefixed frames of {@link #PAYLOAD} bytes to stdout
 * ({@code writeInt(64)} then 64 bytes, through a 64 KiB buffer) and flushes; it exits at end
 * of input or on a count of zero.
 *
 * <p>Staying alive between rounds keeps its JIT warm, so each round measures the pipe and the
 * reader, not the child's startup.
 */
public final class PipeFrameWriter {

    /** Payload bytes per frame. */
    public static final int PAYLOAD = 64;

    private PipeFrameWriter() {
    }

    /** Runs until stdin ends. */
    public static void main(String[] args) throws IOException {
        DataInputStream commands = new DataInputStream(new BufferedInputStream(System.in, 64));
        DataOutputStream out = new DataOutputStream(
                new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 64 * 1024));
        byte[] payload = new byte[PAYLOAD];
        for (int i = 0; i < PAYLOAD; i++) {
            payload[i] = (byte) i;
        }
        for (;;) {
            int n;
            try {
                n = commands.readInt();
            } catch (EOFException e) {
                return;
            }
            if (n <= 0) {
                return;
            }
            for (int i = 0; i < n; i++) {
                out.writeInt(PAYLOAD);
                out.write(payload);
            }
            out.flush();
        }
    }
}
