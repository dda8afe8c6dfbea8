package io.interflux.benchmarks;

import io.interflux.Codec;

import java.nio.ByteBuffer;

/**
 * A reader's consumer that works in the read buffer, as the baselines' loops over one reused
 * buffer do: it takes each chunk's size and copies nothing ({@link Codec#decode(ByteBuffer)}).
 */
final class ChunkSize implements Codec<Integer> {

    static final ChunkSize INSTANCE = new ChunkSize();

    private ChunkSize() {
    }

    @Override
    public byte[] encode(Integer value) {
        throw new UnsupportedOperationException("read only");
    }

    @Override
    public Integer decode(byte[] payload) {
        return payload.length;
    }

    @Override
    public Integer decode(ByteBuffer frame) {
        return frame.remaining();
    }
}
