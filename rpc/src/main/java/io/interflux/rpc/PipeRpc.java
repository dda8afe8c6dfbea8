package io.interflux.rpc;

import io.interflux.Framing;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.StandardStreams;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * RPC over a child process's pipes (needs {@code interflux-pipe}): the parent calls functions in
 * a child it started, through the child's stdin and stdout, framed as RSocket's TCP transport
 * frames (a 24-bit length). The child serves with {@link #standardStreams()}.
 *
 * <pre>{@code
 * // the parent
 * ChildProcess child = ChildProcess.command("java", "-cp", cp, "app.Worker").startNow(Duration.ofSeconds(5));
 * RpcConnection worker = Rpc.client().connectNow(PipeRpc.child(child), Duration.ofSeconds(5));
 *
 * // the child (app.Worker's main)
 * Rpc.server(routes).bindNow(PipeRpc.standardStreams(), Duration.ofSeconds(5)).onDispose().block();
 * }</pre>
 *
 * A child that dies fails every call in flight: its stdout ends. Closing the connection closes
 * the child's stdin, which a child serving with {@code standardStreams()} takes as the end of
 * its server. The child's stderr is the parent's to read or capture; the child must not write to
 * stdout by other means ({@link StandardStreams} moves {@code System.out} to stderr for it).
 */
public final class PipeRpc {

    private PipeRpc() {
    }

    /** The connection to a started child over its stdin and stdout (both {@code Stdio.PIPE}). */
    public static ClientTransport child(ChildProcess child) {
        return maxFrameSize -> Mono.fromCallable(() -> new ChildDuplex(child, maxFrameSize));
    }

    /** This process's stdin and stdout, as the one connection of a server: the child's side. */
    public static ServerTransport standardStreams() {
        return maxFrameSize -> StandardStreams.open().map(io -> new OneConnection(new OwnStreams(io, maxFrameSize)));
    }

    private static final class ChildDuplex implements FrameDuplex {
        private final ChildProcess child;
        private final Framing framing;
        private final int maxFrameSize;
        private final AtomicBoolean disposed = new AtomicBoolean();
        private final Sinks.Empty<Void> closed = Sinks.empty();

        ChildDuplex(ChildProcess child, int maxFrameSize) {
            this.child = child;
            this.maxFrameSize = maxFrameSize;
            this.framing = Rpc.framing(maxFrameSize);
        }

        @Override
        public Flux<byte[]> receive() {
            return child.stdout(framing);
        }

        @Override
        public Mono<Void> send(Publisher<byte[]> frames) {
            return child.send(frames, framing);
        }

        @Override
        public Mono<Void> onDispose() {
            return closed.asMono();
        }

        @Override
        public int maxFrameSize() {
            return maxFrameSize;
        }

        @Override
        public String description() {
            return "the pipes of " + child;
        }

        /** Closes the child's stdin; the child itself is the caller's to wait for or dispose. */
        @Override
        public void dispose() {
            if (disposed.compareAndSet(false, true)) {
                child.closeStdin().onErrorResume(e -> Mono.empty()).subscribe(null, e -> closed.tryEmitEmpty(), closed::tryEmitEmpty);
            }
        }

        @Override
        public boolean isDisposed() {
            return disposed.get();
        }
    }

    /** This process's stdin and stdout as a duplex. */
    private static final class OwnStreams implements FrameDuplex {
        private final StandardStreams io;
        private final int maxFrameSize;
        private final Framing framing;

        OwnStreams(StandardStreams io, int maxFrameSize) {
            this.io = io;
            this.maxFrameSize = maxFrameSize;
            this.framing = Rpc.framing(maxFrameSize);
        }

        @Override
        public Flux<byte[]> receive() {
            return io.receive(framing);
        }

        @Override
        public Mono<Void> send(Publisher<byte[]> frames) {
            return io.send(frames, framing);
        }

        @Override
        public Mono<Void> onDispose() {
            return io.onDispose();
        }

        @Override
        public int maxFrameSize() {
            return maxFrameSize;
        }

        @Override
        public String description() {
            return "stdin and stdout of this process";
        }

        @Override
        public void dispose() {
            io.dispose();
        }

        @Override
        public boolean isDisposed() {
            return io.isDisposed();
        }
    }
}
