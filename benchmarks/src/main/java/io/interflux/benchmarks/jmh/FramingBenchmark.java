package io.interflux.benchmarks.jmh;

import io.interflux.internal.Spi;
import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.internal.FrameDecoder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * What the fd reader does with one 64 KiB read, in process: cutting it into 64-byte
 * length-prefixed frames, or handing it on whole as a raw chunk.
 *
 * <pre>{@code
 * java -cp benchmarks/target/interflux-benchmarks.jar org.openjdk.jmh.Main FramingBenchmark
 * }</pre>
 *
 * <ul>
 *   <li>{@code lengthPrefixed64B} is {@code Spi.decoder(Framing.lengthPrefixed(..), null)} over a
 *       direct buffer, as {@code FdReader} uses it; {@code handWritten64B} is the same cut
 *       written as a plain {@code getInt} and {@code get(byte[])} loop, the floor to compare with.
 *       Both report frames per microsecond.</li>
 *   <li>{@code rawChunkFromDirect} is {@code Framing.raw()} decoding a full 64 KiB direct buffer
 *       (a new array, zeroed, then filled); {@code rawChunkFromHeap} copies the same bytes out of a
 *       heap array with {@code Arrays.copyOf}, where the JIT can skip the zeroing. Chunks per
 *       microsecond.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class FramingBenchmark {

    private static final int PAYLOAD = 64;
    private static final int READ = 64 * 1024;
    /** Whole frames of 4 + 64 bytes in one 64 KiB read. */
    private static final int FRAMES = READ / (4 + PAYLOAD);

    private ByteBuffer frames;
    private FrameDecoder lengthPrefixed;
    private ByteBuffer chunk;
    private byte[] heapChunk;
    private FrameDecoder raw;

    /** Fills the buffers once; each invocation rewinds them. */
    @Setup
    public void setUp() {
        frames = ByteBuffer.allocateDirect(READ);
        for (int i = 0; i < FRAMES; i++) {
            frames.putInt(PAYLOAD);
            for (int b = 0; b < PAYLOAD; b++) {
                frames.put((byte) b);
            }
        }
        frames.flip();
        lengthPrefixed = Spi.decoder(Framing.lengthPrefixed(4096), null);
        chunk = ByteBuffer.allocateDirect(READ);
        heapChunk = new byte[READ];
        Arrays.fill(heapChunk, (byte) 7);
        raw = Spi.decoder(Framing.raw(), null);
    }

    /** Interflux's length-prefixed decoder over one read's worth of 64-byte frames. */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public void lengthPrefixed64B(Blackhole bh) {
        frames.position(0);
        ByteBuffer frame;
        while ((frame = lengthPrefixed.decode(frames)) != null) {
            bh.consume(Codec.bytes().decode(frame));
        }
    }

    /** The same frames cut by a hand-written loop: the floor for {@link #lengthPrefixed64B}. */
    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public void handWritten64B(Blackhole bh) {
        ByteBuffer in = frames;
        in.position(0);
        while (in.remaining() >= 4) {
            int length = in.getInt(in.position());
            if (in.remaining() - 4 < length) {
                break;
            }
            in.position(in.position() + 4);
            byte[] frame = new byte[length];
            in.get(frame);
            bh.consume(frame);
        }
    }

    /** {@code Framing.raw()} handing on a full 64 KiB direct buffer as a new array. */
    @Benchmark
    public byte[] rawChunkFromDirect() {
        chunk.clear();
        return Codec.bytes().decode(raw.decode(chunk));
    }

    /** A full 64 KiB chunk copied out of a heap array, which needs no zeroing first. */
    @Benchmark
    public byte[] rawChunkFromHeap() {
        return Arrays.copyOf(heapChunk, READ);
    }
}
