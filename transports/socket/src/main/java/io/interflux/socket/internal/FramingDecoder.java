package io.interflux.socket.internal;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.internal.FrameDecoder;
import io.interflux.internal.Spi;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;

/**
 * Cuts a connection's bytes into frames with an Interflux {@link Framing} and decodes each with a
 * {@link Codec}, inside Netty's pipeline: the same frame rules, limits and errors as a pipe's or a
 * FIFO's reader, on Netty's accumulated input. Frames go on to reactor-netty's inbound, which
 * stops reading the socket while its subscriber has no demand.
 */
public final class FramingDecoder extends ByteToMessageDecoder {

    private final FrameDecoder decoder;
    private final Codec<?> codec;

    public FramingDecoder(Framing framing, Codec<?> codec, String object) {
        this.decoder = Spi.decoder(framing, object);
        this.codec = codec;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        cut(in, out, false);
    }

    /**
     * At end of stream. A frame cut short fails the stream here, on the pipeline, before the
     * channel's end is signalled: an exception left to Netty would come after reactor-netty had
     * already completed the receive, and be lost.
     */
    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        try {
            cut(in, out, true);
        } catch (RuntimeException e) {
            in.skipBytes(in.readableBytes());
            for (Object frame : out) {
                ctx.fireChannelRead(frame);
            }
            out.clear();
            ctx.fireExceptionCaught(e);
        }
    }

    private Object decoded(ByteBuffer frame) {
        // the frame is a view of Netty's buffer: decoded here, before the buffer moves on
        return Objects.requireNonNull(codec.decode(frame), "the codec decoded a frame to null");
    }

    private void cut(ByteBuf in, List<Object> out, boolean last) {
        if (!in.isReadable()) {
            return;
        }
        ByteBuffer view = in.nioBuffer(in.readerIndex(), in.readableBytes());
        int start = view.position();
        try {
            for (ByteBuffer frame; (frame = decoder.decode(view)) != null; ) {
                out.add(decoded(frame));
            }
            if (last) {
                ByteBuffer frame = decoder.decodeLast(view);
                if (frame != null) {
                    out.add(decoded(frame));
                }
            }
        } finally {
            in.skipBytes(view.position() - start);
        }
    }
}
