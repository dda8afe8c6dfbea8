package io.interflux.benchmarks;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;

/**
 * The child JVM of the ping-pong benchmark: reads a length-prefixed frame (4-byte big-endian
 * length, then the payload) from stdin, writes it back to stdout and flushes, until end of input.
 */
public final class PipeEcho {

    private PipeEcho() {
    }

    /** Echoes frames until stdin ends. */
    public static void main(String[] args) throws IOException {
        DataInputStream in = new DataInputStream(
                new BufferedInputStream(new FileInputStream(FileDescriptor.in), 64 * 1024));
        DataOutputStream out = new DataOutputStream(
                new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 64 * 1024));
        byte[] frame = new byte[64 * 1024];
        for (;;) {
            int n;
            try {
                n = in.readInt();
            } catch (EOFException e) {
                return;
            }
            if (n < 0 || n > frame.length) {
                throw new IOException("frame length out of range: " + n);
            }
            in.readFully(frame, 0, n);
            out.writeInt(n);
            out.write(frame, 0, n);
            out.flush();
        }
    }
}
