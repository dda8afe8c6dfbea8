package io.interflux.socket;

import io.interflux.MetricsRecorder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;

/**
 * First in a metered connection's pipeline: the bytes read from the socket and written to it,
 * and each wait of the writes on a full kernel buffer as a send stall. A stall begins when a
 * flush leaves bytes in the channel's outbound buffer (the kernel took less than was flushed:
 * the peer reads slower than we write) and ends when the next write completes, which the kernel
 * takes only once it has room again. Runs on the channel's event loop only.
 */
final class MeteringHandler extends ChannelDuplexHandler {

    private final MetricsRecorder metrics;
    private long stalledSince;

    MeteringHandler(MetricsRecorder metrics) {
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        metrics.bytesReceived(bytes(msg));
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        metrics.bytesSent(bytes(msg));
        // a write completing after a stall began means the kernel had room again (a void
        // promise takes no listener: unvoid it)
        ChannelPromise written = promise.unvoid();
        written.addListener(f -> endStall());
        super.write(ctx, msg, written);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) throws Exception {
        super.flush(ctx);
        // writes the kernel took in this flush completed within it, before this point
        if (stalledSince == 0 && pending(ctx) > 0) {
            stalledSince = System.nanoTime();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        endStall(); // the wait ends with the connection
        super.channelInactive(ctx);
    }

    private void endStall() {
        if (stalledSince != 0) {
            metrics.sendStalled(System.nanoTime() - stalledSince);
            stalledSince = 0;
        }
    }

    private static long pending(ChannelHandlerContext ctx) {
        ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes();
    }

    private static long bytes(Object msg) {
        if (msg instanceof ByteBuf) {
            return ((ByteBuf) msg).readableBytes();
        }
        if (msg instanceof ByteBufHolder) {
            return ((ByteBufHolder) msg).content().readableBytes();
        }
        return 0;
    }
}
