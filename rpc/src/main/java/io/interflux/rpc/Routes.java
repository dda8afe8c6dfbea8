package io.interflux.rpc;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * What one side of a connection answers: handlers by route name, one interaction each. Immutable:
 * every method returns a new instance.
 *
 * <pre>{@code
 * Routes routes = Routes.empty()
 *     .requestResponse("greet", p -> Mono.just(Payload.of("hello " + p.dataUtf8())))
 *     .fireAndForget("log", p -> Mono.fromRunnable(() -> log.info(p.dataUtf8())))
 *     .requestStream("count", p -> Flux.range(1, Integer.parseInt(p.dataUtf8())).map(i -> Payload.of("" + i)))
 *     .requestChannel("upper", in -> in.map(p -> Payload.of(p.dataUtf8().toUpperCase())));
 * }</pre>
 *
 * <p>A handler's publisher is requested only as the caller's demand (request-n) and the
 * connection's writability allow, so a slow remote subscriber holds it back. A request whose
 * route is not here is answered with {@link RpcException#INVALID} naming the route; a request
 * without routing metadata is looked up under the route {@code ""}. A handler that throws or
 * errors is answered with {@link RpcException#APPLICATION_ERROR} and its message.
 */
public final class Routes {

    private static final Routes EMPTY = new Routes(Collections.emptyMap());

    /** The interactions of RSocket. */
    public enum Interaction { REQUEST_RESPONSE, FIRE_AND_FORGET, REQUEST_STREAM, REQUEST_CHANNEL }

    /** One route's handler; exactly one of the functions is set, as {@link #interaction} says. */
    public static final class Handler {
        final Interaction interaction;
        final Function<Payload, ? extends Publisher<Payload>> single;
        final Function<Payload, ? extends Publisher<Void>> fireAndForget;
        final Function<Flux<Payload>, ? extends Publisher<Payload>> channel;

        private Handler(Interaction interaction, Function<Payload, ? extends Publisher<Payload>> single,
                        Function<Payload, ? extends Publisher<Void>> fireAndForget,
                        Function<Flux<Payload>, ? extends Publisher<Payload>> channel) {
            this.interaction = interaction;
            this.single = single;
            this.fireAndForget = fireAndForget;
            this.channel = channel;
        }

        public Interaction interaction() {
            return interaction;
        }

        /** The request/response or request/stream function; {@code null} for the other interactions. */
        public Function<Payload, ? extends Publisher<Payload>> single() {
            return single;
        }

        /** The fire-and-forget function; {@code null} for the other interactions. */
        public Function<Payload, ? extends Publisher<Void>> fireAndForget() {
            return fireAndForget;
        }

        /** The channel function; {@code null} for the other interactions. */
        public Function<Flux<Payload>, ? extends Publisher<Payload>> channel() {
            return channel;
        }
    }

    private final Map<String, Handler> handlers;

    private Routes(Map<String, Handler> handlers) {
        this.handlers = handlers;
    }

    /** No routes: every request is answered with {@link RpcException#INVALID}. */
    public static Routes empty() {
        return EMPTY;
    }

    /** {@code route} answers each request with the one payload (or none) its Mono gives. */
    public Routes requestResponse(String route, Function<? super Payload, ? extends Publisher<Payload>> handler) {
        Objects.requireNonNull(handler, "handler");
        return with(route, new Handler(Interaction.REQUEST_RESPONSE, handler::apply, null, null));
    }

    /** {@code route} takes each payload and answers nothing; its publisher is subscribed for its side effects. */
    public Routes fireAndForget(String route, Function<? super Payload, ? extends Publisher<Void>> handler) {
        Objects.requireNonNull(handler, "handler");
        return with(route, new Handler(Interaction.FIRE_AND_FORGET, null, handler::apply, null));
    }

    /** {@code route} answers each request with a stream, requested as the caller's demand arrives. */
    public Routes requestStream(String route, Function<? super Payload, ? extends Publisher<Payload>> handler) {
        Objects.requireNonNull(handler, "handler");
        return with(route, new Handler(Interaction.REQUEST_STREAM, handler::apply, null, null));
    }

    /**
     * {@code route} turns the caller's stream (its first payload is the request's) into a stream
     * back; each direction follows its subscriber's demand.
     */
    public Routes requestChannel(String route, Function<? super Flux<Payload>, ? extends Publisher<Payload>> handler) {
        Objects.requireNonNull(handler, "handler");
        return with(route, new Handler(Interaction.REQUEST_CHANNEL, null, null, handler::apply));
    }

    /** These routes and {@code other}'s; a route in both is refused. */
    public Routes and(Routes other) {
        Routes r = this;
        for (Map.Entry<String, Handler> e : other.handlers.entrySet()) {
            r = r.with(e.getKey(), e.getValue());
        }
        return r;
    }

    /** The handler of {@code route}, or {@code null}. */
    public Handler handler(String route) {
        return handlers.get(route);
    }

    /** The route names, sorted. */
    public java.util.Set<String> names() {
        return handlers.keySet();
    }

    private Routes with(String route, Handler handler) {
        Objects.requireNonNull(route, "route");
        if (route.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255) {
            throw new IllegalArgumentException("a route is at most 255 bytes of UTF-8 but it was '" + route + "'");
        }
        if (handlers.containsKey(route)) {
            throw new IllegalArgumentException("route '" + route + "' is already handled");
        }
        TreeMap<String, Handler> copy = new TreeMap<>(handlers);
        copy.put(route, handler);
        return new Routes(Collections.unmodifiableMap(copy));
    }

    @Override
    public String toString() {
        return "Routes" + handlers.keySet();
    }
}
