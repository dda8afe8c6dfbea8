package io.interflux.socket.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;

/**
 * Holds a connection's decoded frames until its receive is subscribed, so that a peer that
 * sends and closes (or resets) before then loses nothing: reactor-netty drops what its inbound
 * holds when the connection closes with nobody subscribed. It sits after the
 * {@link FramingDecoder}, so it holds decoded values, never buffers.
 *
 * <p>What it can hold is bounded by the kernel: without demand reactor-netty does not read, so
 * the socket's receive buffer fills and holds the peer back; a peer that closes has Netty read
 * what that buffer holds, to the end, and that is all there is. At the receive's subscription
 * the held frames go on to reactor-netty in order and the handler leaves the pipeline; if the
 * connection has ended by then, the receive gets the held frames and the end (completion, or the
 * error that ended it) without reactor-netty.
 */
public final class EarlyFrames extends ChannelInboundHandlerAdapter {

    private static final AttributeKey<EarlyFrames> KEY = AttributeKey.valueOf(EarlyFrames.class.getName());

    // touched on the channel's event loop only
    private final Queue<Object> held = new ArrayDeque<>();
    private boolean ended;
    private boolean handedOver;
    private Throwable error;
    // set once each, under this object's lock: the handler may join the pipeline after the
    // receive was subscribed (a connect's subscriber that receives at once, before reactor-netty's
    // doOnConnected), and then it has nothing to hold
    private ChannelHandlerContext ctx;
    private boolean bypassed;

    /** A handler for one connection, to {@link #install} on it. */
    public EarlyFrames() {
    }

    /** Puts a new one last among the connection's own handlers; {@link #of} finds it while the channel is open. */
    public static void install(Connection connection) {
        install(connection, new EarlyFrames());
    }

    /**
     * Puts {@code early} last among the connection's own handlers. Keep it where it is needed
     * after a close: reactor-netty swaps a disposed connection's channel for a placeholder,
     * where {@link #of} finds nothing.
     */
    public static void install(Connection connection, EarlyFrames early) {
        connection.channel().attr(KEY).set(early);
        connection.addHandlerLast("interflux-early", early);
    }

    /** The one {@link #install} put on the connection's open channel, or {@code null}. */
    public static EarlyFrames of(Connection connection) {
        return connection.channel().attr(KEY).get();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        boolean leave;
        synchronized (this) {
            this.ctx = ctx;
            leave = bypassed;
        }
        if (leave) {
            ctx.pipeline().remove(this);
        }
    }

    /** Taken out before the receive came (reactor-netty cleans a closed connection's pipeline): nothing more comes. */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (!handedOver) {
            ended = true;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object frame) {
        held.add(frame);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ended = true;
        ctx.fireChannelInactive();
    }

    /** Before the receive, an error (a bad frame, a reset) ends the connection and waits for it. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!ended) {
            ended = true;
            error = cause;
        }
        ctx.close();
    }

    /**
     * The connection's frames from the first: the held ones, then reactor-netty's inbound, or,
     * when the connection ended before this, the held ones and its end. Call it once, at the
     * receive's subscription.
     */
    public Flux<Object> inbound(Connection connection) {
        return Mono.<Flux<Object>>create(sink -> {
            ChannelHandlerContext context;
            synchronized (this) {
                context = ctx;
                bypassed = context == null;
            }
            if (context == null) {
                sink.success(objects(connection)); // not in the pipeline yet: nothing held
                return;
            }
            Runnable handOver = () -> {
                try {
                    sink.success(handOver(context, connection));
                } catch (RuntimeException e) {
                    sink.error(e);
                }
            };
            try {
                if (context.executor().inEventLoop()) {
                    handOver.run();
                } else {
                    context.executor().execute(handOver);
                }
            } catch (RejectedExecutionException loopGone) {
                sink.success(ended());
            }
        }).flatMapMany(frames -> frames);
    }

    /** On the loop: the held frames go on to reactor-netty, which has every later one. */
    private Flux<Object> handOver(ChannelHandlerContext context, Connection connection) {
        if (ended || context.isRemoved()) {
            return ended();
        }
        handedOver = true;
        for (Object frame; (frame = held.poll()) != null; ) {
            context.fireChannelRead(frame);
        }
        context.pipeline().remove(this);
        return objects(connection);
    }

    @SuppressWarnings("unchecked")
    private static Flux<Object> objects(Connection connection) {
        return (Flux<Object>) connection.inbound().receiveObject();
    }

    private Flux<Object> ended() {
        Flux<Object> frames = Flux.fromIterable(new ArrayDeque<>(held));
        held.clear();
        return error != null ? frames.concatWith(Flux.error(error)) : frames;
    }
}
