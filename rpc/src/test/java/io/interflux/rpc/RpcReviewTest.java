package io.interflux.rpc;

import io.interflux.rpc.internal.Frame;
import io.interflux.rpc.internal.Frames;
import io.interflux.rpc.internal.RoutingMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;
import reactor.test.subscriber.TestSubscriber;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The RSocket layer against a scripted peer: the test plays the other side frame by frame over an
 * in-memory {@link FrameDuplex}, and decides when the transport may write, so races between the
 * wire and the subscribers are reproduced exactly instead of hoped for.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
@DisplayName("RPC against a scripted peer: protocol edges, demand accounting and the end of streams")
class RpcReviewTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<Disposable> opened = new ArrayList<>();

    @AfterEach
    void release() {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).dispose();
        }
    }

    private <R extends Disposable> R keep(R r) {
        opened.add(r);
        return r;
    }

    // ---- the protocol violation check

    @Test
    @DisplayName("a responder sending more payloads than requested fails the call with the overflow and cancels it on the wire")
    void overflowFailsTheCall() {
        WirePeer peer = new WirePeer(Long.MAX_VALUE);
        RpcConnection client = connect(peer);
        peer.expect(Frames.SETUP);

        StepVerifier.create(client.requestStream("s", Payload.of("x")).map(Payload::dataUtf8), 0)
                .thenRequest(1)
                .then(() -> {
                    Frame request = peer.expect(Frames.REQUEST_STREAM);
                    assertThat(request.n).isEqualTo(1);
                    peer.send(Frames.next(request.streamId, null, utf8("a"), false));
                    peer.send(Frames.next(request.streamId, null, utf8("b"), false));
                })
                .expectNext("a")
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(RpcException.class)
                        .hasMessageContaining("more payloads than were requested"))
                .verify(WAIT);
        assertThat(peer.expect(Frames.CANCEL).streamId).isEqualTo(1);
    }

    // ---- request-n accounting: 2^31-1 means unbounded, and only then

    @Test
    @DisplayName("a requester whose demand adds up past 2^31-1 in bounded steps keeps sending bounded REQUEST_N, not 'unbounded'")
    void cumulativeDemandStaysBounded() {
        WirePeer peer = new WirePeer(Long.MAX_VALUE);
        RpcConnection client = connect(peer);
        peer.expect(Frames.SETUP);

        TestSubscriber<Payload> sub = TestSubscriber.builder().initialRequest(Integer.MAX_VALUE - 1).build();
        client.requestStream("s", Payload.of("x")).subscribe(sub);
        assertThat(peer.expect(Frames.REQUEST_STREAM).n).isEqualTo(Integer.MAX_VALUE - 1);
        sub.request(5); // 2^31 + 3 in all: still bounded, a long stream with limitRate gets here in time
        assertThat(peer.expect(Frames.REQUEST_N).n).as("the second request's own amount").isEqualTo(5);
        sub.request(Long.MAX_VALUE);
        assertThat(peer.expect(Frames.REQUEST_N).n).as("an unbounded request").isEqualTo(Frames.MAX_REQUEST_N);
        sub.cancel();
    }

    @Test
    @DisplayName("a channel handler whose demand adds up past 2^31-1 in bounded steps sends bounded REQUEST_N to the caller")
    void cumulativeInboundDemandStaysBounded() {
        AtomicReference<BaseSubscriber<Payload>> handlerInbound = new AtomicReference<>();
        WirePeer peer = new WirePeer(Long.MAX_VALUE);
        serve(peer, Routes.empty().requestChannel("c", in -> {
            BaseSubscriber<Payload> s = new BaseSubscriber<>() {
                @Override
                protected void hookOnSubscribe(Subscription subscription) {
                    // asked below, from the test
                }
            };
            in.subscribe(s);
            handlerInbound.set(s);
            return Flux.never();
        }));
        peer.send(setup());
        peer.send(Frames.request(1, Frames.REQUEST_CHANNEL, 1, false, RoutingMetadata.composite("c", null), utf8("first")));
        BaseSubscriber<Payload> in = handlerInbound.get();
        in.request(Integer.MAX_VALUE); // the first payload counts against it: 2^31-2 goes back
        assertThat(peer.expect(Frames.REQUEST_N).n).isEqualTo(Integer.MAX_VALUE - 1);
        in.request(5);
        assertThat(peer.expect(Frames.REQUEST_N).n).as("the second request's own amount").isEqualTo(5);
        in.cancel();
    }

    // ---- channel ends in both directions

    @Test
    @DisplayName("a channel caller that cancels after the responder completed still sends CANCEL, so the responder's side ends")
    void cancelAfterRemoteCompleteReachesTheResponder() {
        WirePeer peer = new WirePeer(0);
        RpcConnection client = connect(peer);
        peer.allowWrites(1);
        peer.expect(Frames.SETUP);

        Sinks.Many<Payload> out = Sinks.many().unicast().onBackpressureBuffer();
        out.tryEmitNext(Payload.of("a"));
        TestSubscriber<Payload> sub = TestSubscriber.builder().initialRequest(1).build();
        client.requestChannel("c", out.asFlux()).subscribe(sub);
        peer.allowWrites(1);
        Frame open = peer.expect(Frames.REQUEST_CHANNEL);
        peer.send(Frames.next(open.streamId, null, utf8("A"), false));
        await(() -> sub.getReceivedOnNext().size() == 1, "the answer arrived");
        sub.cancel(); // its CANCEL waits for the transport
        peer.send(Frames.complete(open.streamId)); // meanwhile the responder's answer ends
        peer.allowWrites(10);
        Frame f = peer.expect(Frames.CANCEL);
        assertThat(f.streamId).isEqualTo(open.streamId);
        assertThat(out.currentSubscriberCount()).as("the caller's stream was cancelled").isZero();
    }

    @Test
    @DisplayName("a channel handler that subscribes to the caller's stream after the caller completed it still gets the first payload and the completion")
    void lateInboundSubscriberHearsTheEnd() {
        Sinks.Empty<Void> gate = Sinks.empty();
        WirePeer peer = new WirePeer(Long.MAX_VALUE);
        serve(peer, Routes.empty().requestChannel("late", in -> gate.asMono()
                .thenMany(in.map(p -> Payload.of(p.dataUtf8().toUpperCase())))));
        peer.send(setup());
        peer.send(Frames.request(1, Frames.REQUEST_CHANNEL, 10, false, RoutingMetadata.composite("late", null), utf8("a")));
        peer.send(Frames.complete(1)); // the caller's side ends before the handler looks at it
        gate.tryEmitEmpty();
        Frame answer = peer.expect(Frames.PAYLOAD);
        assertThat(new String(answer.data, StandardCharsets.UTF_8)).isEqualTo("A");
        Frame end = peer.expect(Frames.PAYLOAD);
        assertThat(end.has(Frames.FLAG_COMPLETE)).isTrue();
    }

    @Test
    @DisplayName("a channel opened complete (C flag) whose handler never reads it is released when the answer ends")
    void completeChannelIsReleased() {
        WirePeer peer = new WirePeer(Long.MAX_VALUE);
        serve(peer, Rpc.server(Routes.empty()
                .requestChannel("ignore", in -> Mono.just(Payload.of("x")))
                .requestResponse("greet", p -> Mono.just(Payload.of("hello")))).maxStreams(1));
        peer.send(setup());
        peer.send(Frames.request(1, Frames.REQUEST_CHANNEL, 1, true, RoutingMetadata.composite("ignore", null), utf8("a")));
        Frame x = peer.expect(Frames.PAYLOAD);
        assertThat(x.streamId).isEqualTo(1);
        Frame end = peer.expect(Frames.PAYLOAD);
        assertThat(end.has(Frames.FLAG_COMPLETE)).isTrue();
        // with one stream allowed, the next call is answered only if the channel was released
        peer.send(Frames.request(3, Frames.REQUEST_RESPONSE, RoutingMetadata.composite("greet", null), utf8("")));
        Frame answer = peer.next();
        assertThat(Frames.typeName(answer.type)).as(answer.type == Frames.ERROR ? answer.errorMessage() : "").isEqualTo("PAYLOAD");
        assertThat(answer.streamId).isEqualTo(3);
    }

    @Test
    @DisplayName("a fragmented payload from a channel's caller ends the channel both ways with ERROR, not a CANCEL that leaves the caller's answer hanging")
    void fragmentOnAnsweredChannel() {
        WirePeer peer = new WirePeer(Long.MAX_VALUE);
        serve(peer, Routes.empty().requestChannel("upper", in -> in.map(p -> Payload.of(p.dataUtf8().toUpperCase()))));
        peer.send(setup());
        peer.send(Frames.request(1, Frames.REQUEST_CHANNEL, 10, false, RoutingMetadata.composite("upper", null), utf8("a")));
        boolean answered = false;
        boolean credited = false;
        while (!answered || !credited) {
            Frame f = peer.next();
            answered |= f.type == Frames.PAYLOAD;
            credited |= f.type == Frames.REQUEST_N;
        }
        peer.send(Frames.next(1, null, utf8("b"), false));
        byte[] fragment = Frames.next(1, null, utf8("c"), false);
        fragment[5] |= (byte) Frames.FLAG_FOLLOWS; // the low byte of type-and-flags
        peer.send(fragment);
        Frame f = peer.next();
        while (f.type == Frames.PAYLOAD) { // the answer to "b"
            f = peer.next();
        }
        assertThat(Frames.typeName(f.type)).as("what the caller hears of its channel").isEqualTo("ERROR");
        assertThat(f.streamId).isEqualTo(1);
        assertThat(f.errorMessage()).contains("fragmented");
    }

    @Test
    @DisplayName("a channel the caller cancels is not answered with a CANCEL of the caller's own stream")
    void callerCancelIsNotEchoed() {
        WirePeer peer = new WirePeer(Long.MAX_VALUE);
        serve(peer, Routes.empty()
                .requestChannel("upper", in -> in.map(p -> Payload.of(p.dataUtf8().toUpperCase())))
                .requestResponse("greet", p -> Mono.just(Payload.of("hello"))));
        peer.send(setup());
        peer.send(Frames.request(1, Frames.REQUEST_CHANNEL, 10, false, RoutingMetadata.composite("upper", null), utf8("a")));
        boolean answered = false;
        boolean credited = false;
        while (!answered || !credited) {
            Frame f = peer.next();
            answered |= f.type == Frames.PAYLOAD;
            credited |= f.type == Frames.REQUEST_N;
        }
        peer.send(Frames.cancel(1));
        peer.send(Frames.request(3, Frames.REQUEST_RESPONSE, RoutingMetadata.composite("greet", null), utf8("")));
        Frame next = peer.next();
        assertThat(Frames.typeName(next.type) + " on " + next.streamId).isEqualTo("PAYLOAD on 3");
    }

    // ---- request/response on the wire

    @Test
    @DisplayName("a request/response that got its answer sends nothing more, no CANCEL")
    void requestResponseSendsNoCancel() {
        WirePeer peer = new WirePeer(Long.MAX_VALUE);
        RpcConnection client = connect(peer);
        peer.expect(Frames.SETUP);
        Mono<String> call = client.requestResponse("r", Payload.of("x")).map(Payload::dataUtf8);
        StepVerifier.create(call)
                .then(() -> {
                    Frame request = peer.expect(Frames.REQUEST_RESPONSE);
                    peer.send(Frames.next(request.streamId, null, utf8("y"), true));
                })
                .expectNext("y")
                .verifyComplete();
        // the next frame written is the next call's, not a CANCEL of the first
        StepVerifier.create(call).then(() -> {
            Frame next = peer.next();
            assertThat(Frames.typeName(next.type)).isEqualTo("REQUEST_RESPONSE");
            peer.send(Frames.next(next.streamId, null, utf8("z"), true));
        }).expectNext("z").verifyComplete();
    }

    // ---- the close

    @Test
    @DisplayName("calls that failed because this side closed the connection are not written afterwards")
    void failedCallsAreNotWrittenAfterTheClose() {
        WirePeer peer = new WirePeer(0);
        RpcConnection client = connect(peer);
        peer.allowWrites(1);
        peer.expect(Frames.SETUP);

        TestSubscriber<Void> fnf = TestSubscriber.create();
        client.fireAndForget("log", Payload.of("once")).subscribe(fnf);
        TestSubscriber<Payload> rr = TestSubscriber.create();
        client.requestResponse("charge", Payload.of("once")).subscribe(rr);
        client.dispose(); // neither frame was written: the transport asked for none
        await(fnf::isTerminated, "the fire-and-forget heard the close");
        await(rr::isTerminated, "the request/response heard the close");
        assertThat(fnf.isTerminatedError()).isTrue();
        assertThat(rr.isTerminatedError()).isTrue();

        peer.allowWrites(10);
        await(peer.writesDone::get, "the outbound completed");
        List<String> after = new ArrayList<>();
        for (byte[] b : peer.written) {
            Frame f = Frame.parse(b);
            if (f.type != Frames.KEEPALIVE) {
                after.add(Frames.typeName(f.type));
            }
        }
        assertThat(after).as("frames written after the calls were failed").isEmpty();
    }

    @Test
    @DisplayName("a handler that closes its own connection does not leave its answer running")
    void handlerClosingItsConnection() {
        AtomicBoolean subscribed = new AtomicBoolean();
        AtomicBoolean cancelled = new AtomicBoolean();
        AtomicReference<RpcServer> server = new AtomicReference<>();
        WirePeer peer = new WirePeer(Long.MAX_VALUE);
        server.set(serve(peer, Routes.empty().requestStream("quit", p -> {
            server.get().dispose();
            return Flux.<Payload>never().doOnSubscribe(s -> subscribed.set(true)).doOnCancel(() -> cancelled.set(true));
        })));
        peer.send(setup());
        peer.send(Frames.request(1, Frames.REQUEST_STREAM, 1, false, RoutingMetadata.composite("quit", null), utf8("")));
        await(peer.writesDone::get, "the server's connection ended");
        assertThat(!subscribed.get() || cancelled.get()).as("the answer's publisher is not left subscribed").isTrue();
    }

    // ---- the scripted peer

    private RpcConnection connect(WirePeer peer) {
        return keep(Rpc.client().connectNow(maxFrameSize -> Mono.just(peer), WAIT));
    }

    private RpcServer serve(WirePeer peer, Routes routes) {
        return serve(peer, Rpc.server(routes));
    }

    private RpcServer serve(WirePeer peer, RpcSpec spec) {
        return keep(spec.bindNow(maxFrameSize -> Mono.just(new OneConnection(peer)), WAIT));
    }

    private static byte[] setup() {
        return Frames.setup(60_000, 120_000, RoutingMetadata.COMPOSITE, "application/octet-stream", null, new byte[0]);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.onSpinWait();
        }
    }

    /**
     * The other end of a connection, played by the test: {@link #send} hands a frame to the
     * session and returns once the session has handled it; what the session writes is kept in
     * order, and it may write only as much as {@link #allowWrites} allowed.
     */
    static final class WirePeer implements FrameDuplex {
        final Sinks.Many<byte[]> toSession = Sinks.many().unicast().onBackpressureBuffer();
        final LinkedBlockingQueue<byte[]> written = new LinkedBlockingQueue<>();
        final AtomicBoolean writesDone = new AtomicBoolean();
        final AtomicInteger sent = new AtomicInteger();
        final AtomicInteger handled = new AtomicInteger();
        final Sinks.Empty<Void> disposed = Sinks.empty();
        private final long initialWrites;
        private volatile Subscription writes;

        WirePeer(long initialWrites) {
            this.initialWrites = initialWrites;
        }

        @Override
        public Flux<byte[]> receive() {
            Flux<byte[]> frames = toSession.asFlux();
            return new Flux<>() {
                @Override
                public void subscribe(CoreSubscriber<? super byte[]> actual) {
                    frames.subscribe(new CoreSubscriber<byte[]>() {
                        @Override
                        public void onSubscribe(Subscription s) {
                            actual.onSubscribe(s);
                        }

                        @Override
                        public void onNext(byte[] f) {
                            actual.onNext(f);
                            handled.incrementAndGet();
                        }

                        @Override
                        public void onError(Throwable t) {
                            actual.onError(t);
                        }

                        @Override
                        public void onComplete() {
                            actual.onComplete();
                        }
                    });
                }
            };
        }

        @Override
        public Mono<Void> send(Publisher<byte[]> frames) {
            return Mono.create(sink -> frames.subscribe(new BaseSubscriber<byte[]>() {
                @Override
                protected void hookOnSubscribe(Subscription s) {
                    writes = s;
                    if (initialWrites > 0) {
                        s.request(initialWrites);
                    }
                }

                @Override
                protected void hookOnNext(byte[] frame) {
                    written.add(frame);
                }

                @Override
                protected void hookOnComplete() {
                    writesDone.set(true);
                    sink.success();
                }

                @Override
                protected void hookOnError(Throwable e) {
                    writesDone.set(true);
                    sink.error(e);
                }
            }));
        }

        void allowWrites(long n) {
            await(() -> writes != null, "the session subscribed its outbound");
            writes.request(n);
        }

        /** Hands {@code frame} to the session and waits until it has been handled. */
        void send(byte[] frame) {
            int n = sent.incrementAndGet();
            Sinks.EmitResult r = toSession.tryEmitNext(frame);
            assertThat(r).isEqualTo(Sinks.EmitResult.OK);
            await(() -> handled.get() >= n, "the session handled frame " + n);
        }

        /** The next frame written, KEEPALIVEs skipped. */
        Frame next() {
            long deadline = System.nanoTime() + WAIT.toNanos();
            try {
                while (true) {
                    byte[] b = written.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (b == null) {
                        throw new AssertionError("no frame written within " + WAIT);
                    }
                    Frame f = Frame.parse(b);
                    if (f.type != Frames.KEEPALIVE) {
                        return f;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        Frame expect(int type) {
            Frame f = next();
            assertThat(Frames.typeName(f.type)).as(f.type == Frames.ERROR ? f.errorMessage() : "frame type")
                    .isEqualTo(Frames.typeName(type));
            return f;
        }

        @Override
        public Mono<Void> onDispose() {
            return disposed.asMono();
        }

        @Override
        public int maxFrameSize() {
            return RpcSpec.DEFAULT_MAX_FRAME_SIZE;
        }

        @Override
        public String description() {
            return "a scripted peer";
        }

        @Override
        public void dispose() {
            if (disposed.tryEmitEmpty() == Sinks.EmitResult.OK) {
                toSession.tryEmitComplete();
            }
        }

        @Override
        public boolean isDisposed() {
            return disposed.scan(reactor.core.Scannable.Attr.TERMINATED) == Boolean.TRUE;
        }
    }
}
