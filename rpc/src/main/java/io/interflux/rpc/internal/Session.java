package io.interflux.rpc.internal;

import io.interflux.FrameTooLargeException;
import io.interflux.rpc.FrameDuplex;
import io.interflux.rpc.Payload;
import io.interflux.rpc.Routes;
import io.interflux.rpc.RpcException;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.util.Logger;
import reactor.util.Loggers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One RSocket connection over a {@link FrameDuplex}, both roles at once: it makes calls
 * (requester) and answers them from its routes (responder). The client side sends SETUP and the
 * keepalives; the server side waits for SETUP and answers keepalives. Both watch the peer: no
 * frame within the keepalive lifetime ends the connection, as does the transport's end.
 *
 * <p>Inbound frames are read in small batches and handled as they arrive; a payload always finds
 * its subscriber's demand waiting, because credit is granted only as that demand. Every outgoing
 * frame goes through the one {@link Outbound}, which writes only as the transport asks.
 */
public final class Session implements Disposable {

    private static final Logger log = Loggers.getLogger(Session.class);
    private static final int INBOUND_BATCH = 32;

    final FrameDuplex duplex;
    final boolean client;
    final Settings settings;
    final String name;
    final Outbound outbound = new Outbound(this::resumeInbound,
            e -> close(connectionError("the transport refused a frame: " + e, e)));
    private final Map<Integer, Stream> streams = new ConcurrentHashMap<>();
    private final AtomicInteger nextId;
    private final AtomicInteger responders = new AtomicInteger();
    private final KeepAlive keepAlive = new KeepAlive();
    private final Inbound inbound = new Inbound();
    private final Sinks.One<Session> ready = Sinks.one();
    private final Sinks.Empty<Void> closed = Sinks.empty();
    private final AtomicReference<Throwable> closeCause = new AtomicReference<>();
    private final AtomicBoolean paused = new AtomicBoolean();
    private volatile String metadataMime = RoutingMetadata.COMPOSITE;
    private volatile String dataMime;
    private volatile boolean setUp;
    private volatile long lastReceived = System.nanoTime();
    private volatile long lifetimeNanos;
    private volatile Disposable timer;

    public Session(FrameDuplex duplex, boolean client, Settings settings) {
        this.duplex = duplex;
        this.client = client;
        this.settings = settings;
        this.name = "RPC connection over " + duplex.description();
        this.nextId = new AtomicInteger(client ? 1 : 2);
        this.dataMime = settings.dataMimeType;
        this.lifetimeNanos = settings.maxLifetime.toNanos();
    }

    /**
     * Starts reading and writing; the client sends SETUP. Completes with this session once it is
     * set up: at once for a client, at the peer's SETUP for a server (failing when none comes
     * within the keepalive lifetime).
     */
    public Mono<Session> start() {
        duplex.onDispose().subscribe(null, e -> closed.tryEmitEmpty(), closed::tryEmitEmpty);
        duplex.send(outbound).subscribe(null,
                e -> close(connectionError("writing to the peer failed: " + e, e)), () -> { });
        duplex.receive().subscribe(inbound);
        if (client) {
            outbound.offer(Frames.setup(millis(settings.keepAliveInterval), millis(settings.maxLifetime),
                    RoutingMetadata.COMPOSITE, settings.dataMimeType, null, new byte[0]));
            setUp = true;
            ready.tryEmitValue(this);
            startTimer(settings.keepAliveInterval);
        } else {
            startTimer(settings.keepAliveInterval);
        }
        return ready.asMono();
    }

    public String name() {
        return name;
    }

    public String dataMimeType() {
        return dataMime;
    }

    public int maxFrameSize() {
        return settings.maxFrameSize;
    }

    /** Completes when the connection is closed and its transport released. */
    public Mono<Void> onClose() {
        return closed.asMono();
    }

    public Mono<Payload> requestResponse(String route, Payload payload) {
        // fromDirect: the call ends itself after its one answer, and Mono.from would cancel it at
        // that answer, putting a useless CANCEL on the wire for every request/response
        return RequesterCall.check(this, route, payload, 0).then(Mono.defer(() -> Mono.fromDirect(
                new RequesterCall(this, Frames.REQUEST_RESPONSE, route, payload, null))));
    }

    public Flux<Payload> requestStream(String route, Payload payload) {
        return RequesterCall.check(this, route, payload, 4).thenMany(Flux.defer(() ->
                new RequesterCall(this, Frames.REQUEST_STREAM, route, payload, null)));
    }

    public Flux<Payload> requestChannel(String route, Publisher<Payload> payloads) {
        return Flux.defer(() -> new RequesterCall(this, Frames.REQUEST_CHANNEL, route, null, payloads));
    }

    public Mono<Void> fireAndForget(String route, Payload payload) {
        return RequesterCall.check(this, route, payload, 0).then(Mono.defer(() -> new FireAndForget(this, route, payload)));
    }

    /** A new stream id of this side's parity, registered; -1 when the connection is closed. */
    int register(Stream stream) {
        if (closeCause.get() != null) {
            return -1;
        }
        int id = nextId.getAndAdd(2);
        if (id < 0) {
            close(connectionError("the stream ids of this connection are used up", null));
            return -1;
        }
        stream.id = id;
        streams.put(id, stream);
        if (closeCause.get() != null) { // closed while registering: close() may have missed it
            streams.remove(id);
            return -1;
        }
        return id;
    }

    void remove(Stream stream) {
        if (streams.remove(stream.id, stream) && stream instanceof ResponderCall) {
            responders.decrementAndGet();
        }
    }

    /** Why the connection ended, for calls made after it did. */
    Throwable closedError() {
        Throwable t = closeCause.get();
        return t != null ? t : new RpcException(RpcException.CONNECTION_CLOSE, "closed", name + " is closed", name);
    }

    boolean isClosed() {
        return closeCause.get() != null;
    }

    String metadataMime() {
        return metadataMime;
    }

    // ---- inbound

    private void onFrame(byte[] bytes) {
        lastReceived = System.nanoTime();
        Frame f;
        try {
            f = Frame.parse(bytes);
        } catch (Frame.MalformedFrameException e) {
            protocolError(e.getMessage());
            return;
        }
        if (!setUp) {
            onSetup(f);
            return;
        }
        if (f.streamId == 0) {
            onConnectionFrame(f);
            return;
        }
        Stream s = streams.get(f.streamId);
        if (s != null) {
            if (f.has(Frames.FLAG_FOLLOWS) && f.type == Frames.PAYLOAD) {
                String message = "the peer sent a fragmented payload, which Interflux does not reassemble: "
                        + "raise the peer's fragment size to the frame limit";
                s.terminate(new RpcException(RpcException.INVALID, "fragmented", name + ": " + message, name));
                remove(s);
                // a call this side makes is canceled; one it answers gets an ERROR, which ends both
                // directions (a CANCEL would stop only the caller's stream, and leave it waiting for
                // an answer that terminate() has just stopped)
                outbound.offer(s instanceof ResponderCall ? Frames.error(f.streamId, RpcException.INVALID, message)
                        : Frames.cancel(f.streamId));
                return;
            }
            s.onFrame(f);
            return;
        }
        switch (f.type) {
            case Frames.REQUEST_RESPONSE:
            case Frames.REQUEST_FNF:
            case Frames.REQUEST_STREAM:
            case Frames.REQUEST_CHANNEL:
                if ((f.streamId & 1) == (client ? 1 : 0)) {
                    protocolError("the peer opened stream " + f.streamId + ", an id of this side's parity");
                } else {
                    accept(f);
                }
                break;
            default:
                break; // a late frame of a stream that has ended, which the protocol allows
        }
    }

    private void onSetup(Frame f) {
        if (f.type == Frames.RESUME) {
            reject(RpcException.REJECTED_RESUME, "resumption is not supported");
        } else if (f.type != Frames.SETUP) {
            reject(RpcException.INVALID_SETUP, "the first frame must be SETUP but it was " + Frames.typeName(f.type));
        } else if (f.majorVersion != 1) {
            reject(RpcException.UNSUPPORTED_SETUP, "protocol version " + f.majorVersion + ".x is not supported, only 1.x");
        } else if (f.has(Frames.FLAG_LEASE)) {
            reject(RpcException.UNSUPPORTED_SETUP, "leases are not supported");
        } else if (f.has(Frames.FLAG_RESUME)) {
            reject(RpcException.UNSUPPORTED_SETUP, "resumption is not supported");
        } else if (f.keepAliveMillis <= 0 || f.maxLifetimeMillis <= 0) {
            reject(RpcException.INVALID_SETUP, "keepalive interval and lifetime must be positive but they were "
                    + f.keepAliveMillis + " ms and " + f.maxLifetimeMillis + " ms");
        } else {
            metadataMime = f.metadataMime;
            dataMime = f.dataMime;
            lifetimeNanos = TimeUnit.MILLISECONDS.toNanos(f.maxLifetimeMillis);
            setUp = true;
            Disposable t = timer;
            if (t != null) {
                t.dispose();
            }
            startTimer(Duration.ofMillis(f.keepAliveMillis));
            ready.tryEmitValue(this);
        }
    }

    private void reject(int code, String message) {
        outbound.offer(Frames.error(0, code, message));
        close(new RpcException(code, message, name + ": the peer's SETUP was refused: " + message, name));
    }

    private void onConnectionFrame(Frame f) {
        switch (f.type) {
            case Frames.KEEPALIVE:
                if (f.has(Frames.FLAG_RESPOND)) {
                    keepAlive.respond(f.data);
                }
                break;
            case Frames.ERROR:
                close(new RpcException(f.n, f.errorMessage(), name + ": the peer ended the connection with "
                        + RpcException.codeName(f.n) + ": " + f.errorMessage(), name));
                break;
            case Frames.RESUME:
                outbound.offer(Frames.error(0, RpcException.REJECTED_RESUME, "resumption is not supported"));
                break;
            case Frames.SETUP:
                protocolError("a second SETUP");
                break;
            default:
                break; // LEASE (never asked for), METADATA_PUSH, EXT: nothing here uses them
        }
    }

    private void accept(Frame f) {
        if (f.has(Frames.FLAG_FOLLOWS)) {
            refuse(f, RpcException.INVALID, "fragmented requests are not supported: raise the peer's fragment size to the frame limit");
            return;
        }
        String route;
        try {
            route = RoutingMetadata.route(metadataMime, f.metadata);
        } catch (IllegalArgumentException e) {
            refuse(f, RpcException.INVALID, "unreadable routing metadata: " + e.getMessage());
            return;
        }
        String key = route == null ? "" : route;
        Routes.Handler handler = settings.routes.handler(key);
        Routes.Interaction wanted = interaction(f.type);
        if (handler == null) {
            refuse(f, RpcException.INVALID, "no route '" + key + "' here (routes: " + settings.routes.names() + ")");
            return;
        }
        if (handler.interaction() != wanted) {
            refuse(f, RpcException.INVALID, "route '" + key + "' answers " + handler.interaction() + ", not " + wanted);
            return;
        }
        Payload payload = Payload.of(f.data, f.metadata);
        // fire-and-forget handlers count too, while they run: a peer cannot flood this side with them
        if (responders.incrementAndGet() > settings.maxStreams) {
            responders.decrementAndGet();
            refuse(f, RpcException.REJECTED, "more than " + settings.maxStreams + " calls at once");
            return;
        }
        if (f.type == Frames.REQUEST_FNF) {
            ResponderCall.fireAndForget(this, key, handler, payload, responders::decrementAndGet);
            return;
        }
        ResponderCall call = new ResponderCall(this, f, key, handler, payload);
        streams.put(f.streamId, call);
        if (isClosed()) { // closed meanwhile, by the handler itself even: close() may have missed this call
            remove(call);
            call.terminate(closedError());
            return;
        }
        call.start();
    }

    private void refuse(Frame f, int code, String message) {
        if (f.type == Frames.REQUEST_FNF) {
            log.warn("{}: a fire-and-forget request was dropped: {}", name, message);
        } else {
            outbound.offer(Frames.error(f.streamId, code, message));
        }
    }

    private static Routes.Interaction interaction(int type) {
        switch (type) {
            case Frames.REQUEST_RESPONSE: return Routes.Interaction.REQUEST_RESPONSE;
            case Frames.REQUEST_FNF: return Routes.Interaction.FIRE_AND_FORGET;
            case Frames.REQUEST_STREAM: return Routes.Interaction.REQUEST_STREAM;
            default: return Routes.Interaction.REQUEST_CHANNEL;
        }
    }

    private void resumeInbound() {
        if (paused.compareAndSet(true, false)) {
            inbound.replenish();
        }
    }

    private void protocolError(String message) {
        outbound.offer(Frames.error(0, RpcException.CONNECTION_ERROR, message));
        close(new RpcException(RpcException.CONNECTION_ERROR, message, name + ": the peer broke the protocol: " + message, name));
    }

    private RpcException connectionError(String message, Throwable cause) {
        RpcException e = new RpcException(RpcException.CONNECTION_ERROR, message, name + ": " + message, name);
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    // ---- keepalive

    private void startTimer(Duration interval) {
        long period = Math.max(10, interval.toMillis());
        Disposable t = Schedulers.parallel().schedulePeriodically(this::tick, period, period, TimeUnit.MILLISECONDS);
        timer = t;
        if (isClosed()) { // a close racing with the peer's SETUP disposed the previous timer, not this one
            t.dispose();
        }
    }

    private void tick() {
        long silent = System.nanoTime() - lastReceived;
        if (silent > lifetimeNanos) {
            String what = setUp ? "no frame from the peer" : "no SETUP from the peer";
            close(connectionError(what + " for " + TimeUnit.NANOSECONDS.toMillis(silent) + " ms, more than the keepalive lifetime of "
                    + TimeUnit.NANOSECONDS.toMillis(lifetimeNanos) + " ms: the peer is gone or stuck", null));
            return;
        }
        if (client) {
            keepAlive.due();
        }
    }

    private final class KeepAlive extends OutboundSource {
        private final AtomicBoolean due = new AtomicBoolean();
        private final AtomicReference<byte[]> answer = new AtomicReference<>();

        void due() {
            if (due.compareAndSet(false, true)) {
                outbound.schedule(this);
            }
        }

        /** Only the latest answer waits: a peer that sends keepalives faster than they are written gets fewer back. */
        void respond(byte[] data) {
            answer.set(data);
            outbound.schedule(this);
        }

        @Override
        void failed(Throwable error) {
            close(connectionError("a keepalive could not be made: " + error, error));
        }

        @Override
        byte[] poll() {
            byte[] data = answer.getAndSet(null);
            if (data != null) {
                return Frames.keepAlive(false, data);
            }
            return due.compareAndSet(true, false) ? Frames.keepAlive(true, new byte[0]) : null;
        }
    }

    // ---- the end

    /** Ends the connection: every call in flight fails with {@code cause}, the transport is closed. */
    void close(Throwable cause) {
        if (!closeCause.compareAndSet(null, cause)) {
            return;
        }
        if (!(cause instanceof RpcException) || ((RpcException) cause).code() != RpcException.CONNECTION_CLOSE) {
            log.debug("{} ends: {}", name, cause.toString());
        }
        Disposable t = timer;
        if (t != null) {
            t.dispose();
        }
        // first, so no frame of a call failed below is written after its subscriber heard the close
        outbound.complete();
        for (Stream s : new ArrayList<>(streams.values())) {
            s.terminate(cause);
        }
        streams.clear();
        ready.tryEmitError(cause);
        // the frames queued before the close (an ERROR saying why) get a moment to be written
        Mono.delay(Duration.ofMillis(outbound.isCancelled() ? 0 : 200)).subscribe(x -> duplex.dispose());
        inbound.dispose();
    }

    @Override
    public void dispose() {
        close(new RpcException(RpcException.CONNECTION_CLOSE, "closed", name + " was closed by this side", name));
    }

    @Override
    public boolean isDisposed() {
        return closeCause.get() != null;
    }

    static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }

    private final class Inbound extends BaseSubscriber<byte[]> {
        @Override
        protected void hookOnSubscribe(Subscription s) {
            s.request(INBOUND_BATCH);
        }

        /** Frames handled and not yet asked for again: what is requested ahead stays INBOUND_BATCH. */
        private final AtomicInteger handled = new AtomicInteger();

        @Override
        protected void hookOnNext(byte[] frame) {
            onFrame(frame);
            // replenished half a batch at a time, as limitRate does; reading stops while replies
            // to requests pile up unwritten, and the outbound resumes it when they drain
            if (handled.incrementAndGet() < INBOUND_BATCH / 2) {
                return;
            }
            if (!outbound.controlBacklogged()) {
                replenish();
            } else {
                paused.set(true);
                if (!outbound.controlBacklogged()) {
                    resumeInbound();
                }
            }
        }

        /** Asks again for the frames handled so far; from the inbound thread or the outbound's drain. */
        void replenish() {
            int n = handled.getAndSet(0);
            if (n > 0) {
                request(n);
            }
        }

        @Override
        protected void hookOnError(Throwable e) {
            // a frame over the limit fails every call with the framing's own error, which names the limit
            close(e instanceof FrameTooLargeException ? e : connectionError("the transport failed: " + e, e));
        }

        @Override
        protected void hookOnComplete() {
            close(new RpcException(RpcException.CONNECTION_CLOSE, "closed", name + " was closed by the peer", name));
        }
    }
}
