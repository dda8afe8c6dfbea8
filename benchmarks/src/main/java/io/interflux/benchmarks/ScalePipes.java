package io.interflux.benchmarks;

import com.zaxxer.nuprocess.NuAbstractProcessHandler;
import com.zaxxer.nuprocess.NuProcess;
import com.zaxxer.nuprocess.NuProcessBuilder;
import io.interflux.Codec;
import io.interflux.Emitter;
import io.interflux.Framing;
import io.interflux.pipe.ChildProcess;
import reactor.core.Disposable;
import reactor.core.publisher.Sinks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;

/**
 * {@code scale-pipe}: N children, each {@code scale-stream C} ({@code scale-stream.c}, or without
 * gcc {@code sh -c 'cat; exec dd if=/dev/zero bs=64k count=C'}), which echoes the pings written
 * to its stdin and, once stdin is closed, streams its share of C blocks of 64 KiB on stdout.
 * Each implementation starts the children as a user would:
 *
 * <ul>
 *   <li>{@code interflux-default}: {@link ChildProcess} with its defaults (stderr captured),
 *       {@code stdout()}: a {@code byte[]} per chunk; pings through {@code stdinEmitter};</li>
 *   <li>{@code interflux-in-place}: the same, {@code stdout(Framing.raw(), codec)} with a codec that
 *       reads each chunk's size in the read buffer ({@link ChunkSize}), copying nothing;</li>
 *   <li>{@code jdk-process}: {@link ProcessBuilder} with its defaults and a thread per child
 *       reading {@code getInputStream()} into its own 64 KiB array; pings written and flushed on
 *       {@code getOutputStream()};</li>
 *   <li>{@code nuprocess}: NuProcess 2.0.6 with a handler per child counting {@code onStdout}
 *       buffers in place; pings through {@code writeStdin}.</li>
 * </ul>
 */
final class ScalePipes {

    static final Duration LIMIT = Duration.ofSeconds(60);

    private ScalePipes() {
    }

    /** @param streamer the built {@code scale-stream}, or {@code "-"} for the shell form */
    static ScaleStreams create(String impl, ScaleWorkload workload, String streamer) {
        String blocks = Long.toString(workload.blocksPerStream());
        List<String> command = streamer.equals("-")
                ? List.of("sh", "-c", "cat; exec dd if=/dev/zero bs=65536 count=\"$0\" status=none", blocks)
                : List.of(streamer, blocks);
        switch (impl) {
            case "interflux-default":
                return new Interflux(command, workload.streams, false);
            case "interflux-in-place":
                return new Interflux(command, workload.streams, true);
            case "jdk-process":
                return new Jdk(command, workload.streams);
            case "nuprocess":
                return new Nu(command, workload.streams);
            default:
                throw new IllegalArgumentException("unknown pipe implementation " + impl);
        }
    }

    /** Interflux {@link ChildProcess}es on the shared event loop. */
    static final class Interflux implements ScaleStreams {
        private final List<String> command;
        private final boolean inPlace;
        private final ChildProcess[] children;
        private final Disposable[] reading;
        private final Emitter<byte[]>[] stdin;

        @SuppressWarnings("unchecked")
        Interflux(List<String> command, int n, boolean inPlace) {
            this.command = command;
            this.inPlace = inPlace;
            this.children = new ChildProcess[n];
            this.reading = new Disposable[n];
            this.stdin = new Emitter[n];
        }

        @Override
        public void open(ScaleMeter meter) {
            for (int i = 0; i < children.length; i++) {
                int s = i;
                ChildProcess child = ChildProcess.command(command).startNow(LIMIT);
                children[i] = child;
                stdin[i] = child.stdinEmitter(Framing.raw(), Codec.bytes());
                reading[i] = inPlace
                        ? child.stdout(Framing.raw(), ChunkSize.INSTANCE)
                                .subscribe(size -> meter.received(s, size), e -> meter.failed(s, e), () -> meter.ended(s))
                        : child.stdout()
                                .subscribe(chunk -> meter.received(s, chunk.length), e -> meter.failed(s, e), () -> meter.ended(s));
            }
        }

        @Override
        public boolean ping(int i, byte[] message) {
            Sinks.EmitResult r = stdin[i].tryEmitNext(message);
            if (r == Sinks.EmitResult.FAIL_OVERFLOW) {
                return false;
            }
            if (r.isFailure()) {
                throw new IllegalStateException("ping on " + stdin[i].describe() + ": " + r);
            }
            return true;
        }

        @Override
        public void stream() {
            for (ChildProcess child : children) {
                child.closeStdin().block(LIMIT);
            }
        }

        @Override
        public void close() {
            for (int i = 0; i < children.length; i++) {
                if (reading[i] != null) {
                    reading[i].dispose();
                }
                if (children[i] != null) {
                    children[i].dispose();
                }
            }
        }
    }

    /** {@link java.lang.Process} and a reading thread per child. */
    static final class Jdk implements ScaleStreams {
        private final List<String> command;
        private final Process[] children;
        private final OutputStream[] stdin;

        Jdk(List<String> command, int n) {
            this.command = command;
            this.children = new Process[n];
            this.stdin = new OutputStream[n];
        }

        @Override
        public void open(ScaleMeter meter) throws IOException {
            for (int i = 0; i < children.length; i++) {
                int s = i;
                Process p = new ProcessBuilder(command).start();
                children[i] = p;
                stdin[i] = p.getOutputStream();
                Thread reader = new Thread(() -> {
                    byte[] buffer = new byte[64 * 1024];
                    try (InputStream in = p.getInputStream()) {
                        for (int r; (r = in.read(buffer)) >= 0; ) {
                            meter.received(s, r);
                        }
                        meter.ended(s);
                    } catch (IOException | RuntimeException e) {
                        meter.failed(s, e);
                    }
                }, "stdout-" + i);
                reader.setDaemon(true);
                reader.start();
            }
        }

        @Override
        public boolean ping(int i, byte[] message) throws IOException {
            stdin[i].write(message);
            stdin[i].flush();
            return true;
        }

        @Override
        public void stream() throws IOException {
            for (OutputStream in : stdin) {
                in.close();
            }
        }

        @Override
        public void close() {
            for (Process p : children) {
                if (p != null && p.isAlive()) {
                    p.destroyForcibly();
                }
            }
        }
    }

    /** NuProcess: its own epoll threads call a handler per child. */
    static final class Nu implements ScaleStreams {
        private final List<String> command;
        private final NuProcess[] children;
        private volatile boolean closing;

        Nu(List<String> command, int n) {
            this.command = command;
            this.children = new NuProcess[n];
        }

        @Override
        public void open(ScaleMeter meter) {
            for (int i = 0; i < children.length; i++) {
                int s = i;
                NuProcess p = new NuProcessBuilder(new NuAbstractProcessHandler() {
                    @Override
                    public void onStdout(ByteBuffer buffer, boolean closed) {
                        int n = buffer.remaining();
                        if (n > 0) {
                            meter.received(s, n);
                            buffer.position(buffer.limit());
                        }
                        if (closed) {
                            meter.ended(s);
                        }
                    }

                    @Override
                    public void onStderr(ByteBuffer buffer, boolean closed) {
                        buffer.position(buffer.limit());
                    }

                    @Override
                    public void onExit(int status) {
                        if (status != 0 && !closing) {
                            meter.failed(s, new IllegalStateException("child " + s + " exited with " + status));
                        }
                    }
                }, command).start();
                if (p == null) {
                    throw new IllegalStateException("NuProcess could not start " + command);
                }
                children[i] = p;
            }
        }

        @Override
        public boolean ping(int i, byte[] message) {
            children[i].writeStdin(ByteBuffer.wrap(message));
            return true;
        }

        @Override
        public void stream() {
            for (NuProcess p : children) {
                p.closeStdin(false); // after the pending writes, which are none by now
            }
        }

        @Override
        public void close() {
            closing = true;
            for (NuProcess p : children) {
                if (p != null && p.isRunning()) {
                    p.destroy(true);
                }
            }
        }
    }
}
