package io.interflux.it.socket;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.it.support.CProgram;
import io.interflux.it.support.Eventually;
import io.interflux.it.support.OsResources;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.Stdio;
import io.interflux.socket.SocketServer;
import io.interflux.socket.StreamConnection;
import io.interflux.socket.StreamServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Backpressure across the process boundary: a Python 3 peer writes 64 MiB of numbered 1 KiB
 * frames as fast as its non-blocking socket takes them, to an Interflux server whose subscriber
 * requests nothing, then one frame at a time, then 64, then everything.
 *
 * <p>What a reader should take from it:
 * <ul>
 *   <li>while there is no demand the peer stalls: it reports each byte the kernel accepted, and
 *       the count stops growing, far short of 64 MiB (the kernel's buffers are full);</li>
 *   <li>what Interflux took out of the kernel ahead of demand ("read ahead": the peer's count
 *       less the bytes the kernel still holds, less the frames delivered) stays within
 *       {@value #READ_AHEAD_BOUND} bytes, and this JVM's heap after GC within
 *       {@value #HEAP_BOUND_MIB} MiB of its baseline, while 64 MiB are offered;</li>
 *   <li>with unbounded demand every frame arrives, in order and intact, and the peer ends.</li>
 * </ul>
 * The kernel's share comes from {@code /proc/net/tcp} for TCP and {@code ss -x} for a Unix socket
 * (see {@link KernelQueues}); the read-ahead measured is printed.
 */
@Timeout(90)
@DisplayName("A peer process writing as fast as it can to a slow Interflux reader")
class SocketBackpressureIT {

    static final Duration WAIT = Duration.ofSeconds(20);
    /** How long the peer's count must stand still to count as stalled. */
    static final Duration STILL = Duration.ofMillis(300);
    static final int FRAME = 1024;
    /** A frame on the wire: its 4-byte length, then the payload. */
    static final int WIRE = FRAME + 4;
    static final int FRAMES = 64 * 1024;
    /**
     * The most Interflux may hold ahead of demand, in bytes. reactor-netty reads only while its
     * subscriber has demand, but a read that has begun takes what Netty's allocator offers (up to
     * 64 KiB), its decoder may hold most of a frame, and after a frame is delivered reactor-netty
     * reads once more while fewer than 32 frames wait; so about 64 KiB plus a few frames is
     * expected. 1 MiB is generous, and still 64 times less than what is offered.
     */
    static final long READ_AHEAD_BOUND = 1L << 20;
    static final long HEAP_BOUND_MIB = 16;
    /** The demand added before each measurement: none, one frame at a time, then 64. */
    static final long[] DEMAND_STEPS = {0, 1, 1, 1, 1, 64};

    /**
     * {@code KIND ADDRESS FRAMES SIZE}: writes FRAMES length-prefixed frames of SIZE bytes (an
     * 8-byte big-endian sequence number, then byte k = (sequence + k) mod 256) through a
     * non-blocking socket; prints {@code connected ID} (its TCP port, or its Unix socket's inode),
     * {@code blocked N} each time the kernel takes no more (N bytes accepted so far) and
     * {@code done N}; then closes.
     */
    static final String PEER = String.join("\n",
            "import os, select, socket, struct, sys",
            "kind, address, frames, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])",
            "if kind == 'tcp':",
            "    host, port = address.rsplit(':', 1)",
            "    s = socket.create_connection((host, int(port)))",
            "    print('connected %d' % s.getsockname()[1], flush=True)",
            "else:",
            "    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
            "    s.connect(address)",
            "    print('connected %d' % os.fstat(s.fileno()).st_ino, flush=True)",
            "s.setblocking(False)",
            "filler = bytes(range(256)) * (size // 256 + 2)",
            "def frame(i):",
            "    o = (i + 8) % 256",
            "    return struct.pack('>IQ', size, i) + filler[o:o + size - 8]",
            "sent = 0",
            "for first in range(0, frames, 64):",
            "    chunk = memoryview(b''.join(frame(i) for i in range(first, min(first + 64, frames))))",
            "    off = 0",
            "    while off < len(chunk):",
            "        try:",
            "            n = s.send(chunk[off:])",
            "            off += n",
            "            sent += n",
            "        except BlockingIOError:",
            "            print('blocked %d' % sent, flush=True)",
            "            select.select([], [s], [])",
            "print('done %d' % sent, flush=True)",
            "s.close()",
            "");

    @RegisterExtension
    final OsResources os = new OsResources();

    @TempDir
    Path dir;

    Path script;

    @BeforeEach
    void writePeer() throws IOException {
        assumeTrue(CProgram.onPath("python3"), "python3 is not installed");
        script = Files.writeString(dir.resolve("fast_writer.py"), PEER);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "unix"})
    @DisplayName("stalls while nothing is requested, is read ahead of demand by a bounded amount, then delivers 64 MiB in order")
    void slowReader(String kind) throws Exception {
        boolean unix = kind.equals("unix");
        assumeTrue(!unix || KernelQueues.hasSs(), "ss (iproute2) is not installed: it reports a Unix socket's queue");
        long baseline = usedHeapAfterGc();
        StreamServer<byte[]> server = os.track((unix ? SocketServer.unix(dir.resolve("slow.sock")) : SocketServer.tcp("127.0.0.1", 0))
                .framing(Framing.lengthPrefixed(FRAME)).bindNow(WAIT));
        String address = unix ? server.path().toString() : "127.0.0.1:" + server.port();
        ChildProcess python = os.track(ChildProcess.command("python3", script.toString(), kind, address,
                Integer.toString(FRAMES), Integer.toString(FRAME)).stdin(Stdio.discard()).start().block(WAIT));
        PeerProgress peer = new PeerProgress();
        os.track(python.stdout(Framing.lines(), Codec.utf8()).subscribe(peer::report, peer::fail));
        long id = peer.awaitConnected();
        StreamConnection<byte[]> connection = os.track(server.connections().blockFirst(WAIT));
        LongSupplier inKernel = unix ? () -> KernelQueues.unixUnread(id) : () -> KernelQueues.tcpInFlight((int) id, server.port());

        NumberedReader reader = new NumberedReader();
        connection.receive().subscribe(reader);
        os.track(reader);
        long requested = 0;
        long mostAhead = 0;
        List<String> table = new ArrayList<>();
        for (long step : DEMAND_STEPS) {
            if (step > 0) {
                reader.request(step);
                requested += step;
                long expected = requested;
                Eventually.holds(WAIT, () -> reader.delivered + " of " + expected + " frames delivered",
                        () -> reader.delivered == expected);
            }
            long written = peer.awaitStall(python);
            long kernel = inKernel.getAsLong();
            long delivered = reader.delivered;
            long ahead = written - kernel - delivered * WIRE;
            table.add(String.format("requested %3d: peer wrote %,10d, kernel holds %,10d, read ahead %,7d bytes (%d frames)",
                    requested, written, kernel, ahead, ahead / WIRE));
            assertThat(peer.written()).as("bytes the peer wrote while the demand was spent").isEqualTo(written);
            assertThat(delivered).as("frames delivered for a demand of %d", requested).isEqualTo(requested);
            assertThat(written).as("the peer is held back far short of what it has to write")
                    .isLessThan((long) FRAMES * WIRE / 2);
            // the bound is what matters; the figure can dip below zero over TCP, where /proc/net/tcp
            // counts a byte twice while it sits in the receiver's queue and is not yet acknowledged
            // in the sender's (a window's worth at most)
            assertThat(ahead).as("bytes read ahead of demand").isLessThanOrEqualTo(READ_AHEAD_BOUND);
            mostAhead = Math.max(mostAhead, ahead);
        }
        long heap = usedHeapAfterGc() - baseline;

        reader.request(Long.MAX_VALUE);
        assertThat(reader.done.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("how the receive ended").isEqualTo("complete");
        assertThat(reader.delivered).as("frames delivered").isEqualTo(FRAMES);
        assertThat(python.exit().block(WAIT)).as("the peer's exit status; stderr: %s", python.capturedStderr()).isZero();
        assertThat(peer.written()).isEqualTo((long) FRAMES * WIRE);
        assertThat(heap).as("heap after GC above the baseline while 64 MiB were offered").isLessThan(HEAP_BOUND_MIB << 20);

        System.out.printf("%s backpressure, %d-byte frames, %,d offered:%n  %s%n  most read ahead %,d bytes"
                        + " (%d frames; bound %,d), heap after GC %+.1f MiB%n",
                kind, FRAME, (long) FRAMES * WIRE, String.join("\n  ", table), mostAhead, mostAhead / WIRE,
                READ_AHEAD_BOUND, heap / 1048576.0);
    }

    static long usedHeapAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** What the peer reports on its stdout, kept as it comes (on the event loop). */
    static final class PeerProgress {
        private volatile long id = -1;
        private volatile long written;
        private volatile long changedAt = System.nanoTime();
        private volatile boolean blocked;
        private volatile String failure;

        void report(String line) {
            String[] f = line.split(" ");
            long n = Long.parseLong(f[1]);
            switch (f[0]) {
                case "connected":
                    id = n;
                    break;
                case "blocked":
                case "done":
                    if (n != written) {
                        written = n;
                        changedAt = System.nanoTime();
                    }
                    blocked = f[0].equals("blocked");
                    break;
                default:
                    failure = "unexpected line from the peer: " + line;
            }
        }

        void fail(Throwable e) {
            failure = "the peer's stdout failed: " + e;
        }

        long written() {
            return written;
        }

        long awaitConnected() {
            Eventually.holds(WAIT, () -> "the peer did not connect" + (failure == null ? "" : ": " + failure),
                    () -> id >= 0 || failure != null);
            assertThat(failure).isNull();
            return id;
        }

        /** Waits until the peer is blocked and its count has not moved for {@link #STILL}; returns the count. */
        long awaitStall(ChildProcess python) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!(blocked && System.nanoTime() - changedAt >= STILL.toNanos())) {
                if (failure != null || python.hasExited() || System.nanoTime() - deadline > 0) {
                    throw new AssertionError("the peer did not stall within " + WAIT + " (wrote " + written
                            + ", blocked " + blocked + ", exited " + python.hasExited() + ", " + failure
                            + "); stderr: " + python.capturedStderr());
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            return written;
        }
    }

    /** Checks each frame's number and bytes as it arrives, and requests only what the test says. */
    static final class NumberedReader extends BaseSubscriber<byte[]> {
        final CompletableFuture<String> done = new CompletableFuture<>();
        volatile long delivered;

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            // no demand until the test asks
        }

        @Override
        protected void hookOnNext(byte[] frame) {
            long n = delivered;
            long sequence = 0;
            for (int i = 0; i < Long.BYTES; i++) {
                sequence = (sequence << 8) | (frame[i] & 0xFF);
            }
            if (frame.length != FRAME || sequence != n) {
                done.complete("frame " + n + " was " + frame.length + " bytes numbered " + sequence);
                cancel();
                return;
            }
            for (int k = Long.BYTES; k < FRAME; k++) {
                if (frame[k] != (byte) (n + k)) {
                    done.complete("frame " + n + " is corrupt at byte " + k);
                    cancel();
                    return;
                }
            }
            delivered = n + 1; // onNext is serialised: one writer
        }

        @Override
        protected void hookOnComplete() {
            done.complete("complete");
        }

        @Override
        protected void hookOnError(Throwable t) {
            done.complete("error " + t);
        }
    }
}
