package io.interflux.benchmarks;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The baselines of the pipe benchmarks: {@link java.lang.Process} streams driven by blocking
 * loops on the calling thread, the way a thread-per-stream program reads a child.
 */
final class JdkPipe {

    /** The last copied chunk, kept only so the JIT must make every copy. */
    static volatile byte[] lastCopy;

    private JdkPipe() {
    }

    /**
     * {@code getInputStream().read(byte[65536])} until end of stream, metered from first chunk to
     * end. With {@code copyEachChunk} every read is also copied into a new array of its length,
     * which is what handing chunks on to another stage costs (and what a {@code Flux<byte[]>} of
     * chunks must do).
     */
    static PipeBenchmark.ChunkMeter chunks(List<String> command, boolean copyEachChunk) throws Exception {
        Process p = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            PipeBenchmark.ChunkMeter meter = new PipeBenchmark.ChunkMeter();
            InputStream in = p.getInputStream();
            byte[] buffer = new byte[PipeBenchmark.CHUNK];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (copyEachChunk) {
                    lastCopy = Arrays.copyOf(buffer, n); // escapes, so the copy cannot be optimised away
                }
                meter.chunk(n);
            }
            PipeBenchmark.checkExit(command, waitFor(p));
            return meter;
        } finally {
            p.destroyForcibly();
        }
    }

    private static Integer waitFor(Process p) throws InterruptedException {
        return p.waitFor(PipeBenchmark.LIMIT.toMillis(), TimeUnit.MILLISECONDS) ? p.exitValue() : null;
    }

    private static void close(Process p, DataOutputStream out) throws InterruptedException {
        try {
            out.close();
        } catch (IOException ignored) {
            // the child is gone already; it is killed below if not
        }
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }

    /**
     * A {@link PipeFrameWriter} child read with {@code DataInputStream(BufferedInputStream(in, 64 KiB))}:
     * {@code readInt()}, a new array of that length, {@code readFully}.
     */
    static final class Frames implements PipeBenchmark.FrameSource {
        private final Process process;
        private final DataOutputStream commands;
        private final DataInputStream in;

        Frames(List<String> command) throws IOException {
            this.process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            this.commands = new DataOutputStream(process.getOutputStream());
            this.in = new DataInputStream(new BufferedInputStream(process.getInputStream(), PipeBenchmark.CHUNK));
        }

        @Override
        public double framesPerSecond(int n) throws IOException {
            long start = System.nanoTime();
            commands.writeInt(n);
            commands.flush();
            for (int i = 0; i < n; i++) {
                byte[] frame = new byte[in.readInt()];
                in.readFully(frame);
                PipeBenchmark.checkFrame(frame);
            }
            return n / ((System.nanoTime() - start) / 1e9);
        }

        @Override
        public void close() throws InterruptedException {
            JdkPipe.close(process, commands);
        }
    }

    /** A {@link PipeEcho} child driven by a blocking write, flush, {@code readInt}, {@code readFully} loop. */
    static final class PingPong implements PipeBenchmark.PingPong {
        private final Process process;
        private final DataOutputStream out;
        private final DataInputStream in;
        private final byte[] ping = PipeBenchmark.payload();
        private final byte[] pong = new byte[PipeBenchmark.PAYLOAD];

        PingPong(List<String> command) throws IOException {
            this.process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            this.out = new DataOutputStream(process.getOutputStream());
            this.in = new DataInputStream(new BufferedInputStream(process.getInputStream(), PipeBenchmark.CHUNK));
        }

        @Override
        public long[] roundTrips(int n) throws IOException {
            return roundTrips(n, 0);
        }

        /**
         * As {@link #roundTrips(int)}, each ping {@code gapNanos} after the previous pong (the
         * thread parked meanwhile, so the echo sleeps in its blocking read); the gap is not timed.
         */
        long[] roundTrips(int n, long gapNanos) throws IOException {
            long[] samples = new long[n];
            for (int i = 0; i < n; i++) {
                long wakeAt = System.nanoTime() + gapNanos;
                for (long left = gapNanos; left > 0; left = wakeAt - System.nanoTime()) {
                    LockSupport.parkNanos(left); // may return early: park the rest
                }
                long sentAt = System.nanoTime();
                out.writeInt(ping.length);
                out.write(ping);
                out.flush();
                int length = in.readInt();
                if (length != pong.length) {
                    throw new IOException("pong of " + length + " bytes, expected " + pong.length);
                }
                in.readFully(pong);
                samples[i] = System.nanoTime() - sentAt;
                PipeBenchmark.checkFrame(pong);
            }
            return samples;
        }

        /**
         * As {@link #roundTrips(int, long)}, but the pongs are read by a thread of their own that
         * waits in its blocking read from one pong to the next, so each round trip wakes a
         * sleeping reader at both ends, as a ring's consumers are woken; the pinger waits for the
         * pong after the clock has stopped.
         */
        long[] roundTripsBothAsleep(int n, long gapNanos) throws Exception {
            long[] samples = new long[n];
            java.util.concurrent.atomic.AtomicLong sentAt = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.Semaphore received = new java.util.concurrent.Semaphore(0);
            java.util.concurrent.atomic.AtomicReference<IOException> failed = new java.util.concurrent.atomic.AtomicReference<>();
            Thread reader = new Thread(() -> {
                try {
                    for (int i = 0; i < n; i++) {
                        int length = in.readInt();
                        if (length != pong.length) {
                            throw new IOException("pong of " + length + " bytes, expected " + pong.length);
                        }
                        in.readFully(pong);
                        samples[i] = System.nanoTime() - sentAt.get();
                        received.release();
                    }
                } catch (IOException e) {
                    failed.set(e);
                    received.release(n);
                }
            }, "pipe-pong-reader");
            reader.setDaemon(true);
            reader.start();
            for (int i = 0; i < n; i++) {
                long wakeAt = System.nanoTime() + gapNanos;
                for (long left = gapNanos; left > 0; left = wakeAt - System.nanoTime()) {
                    LockSupport.parkNanos(left);
                }
                sentAt.set(System.nanoTime());
                out.writeInt(ping.length);
                out.write(ping);
                out.flush();
                if (!received.tryAcquire(60, java.util.concurrent.TimeUnit.SECONDS)) {
                    throw new IOException("no pong within 60 s");
                }
                if (failed.get() != null) {
                    throw failed.get();
                }
            }
            reader.join(60_000);
            PipeBenchmark.checkFrame(pong);
            return samples;
        }

        @Override
        public void close() throws InterruptedException {
            JdkPipe.close(process, out);
        }
    }
}
