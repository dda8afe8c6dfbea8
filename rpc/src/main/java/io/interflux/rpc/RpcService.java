package io.interflux.rpc;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Proxy;
import java.lang.reflect.Type;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Calls "as if local": a Java interface served by an implementation in one process and called
 * through a proxy in another.
 *
 * <pre>{@code
 * public interface Inventory {
 *     Mono<Item> find(String sku);                   // request/response
 *     Flux<Item> below(Integer stock);               // request/stream
 *     Flux<Receipt> restock(Flux<Delivery> deliveries); // channel
 *     @RpcMethod(fireAndForget = true)
 *     Mono<Void> touch(String sku);                  // fire-and-forget
 * }
 *
 * Routes routes = RpcService.routes(Inventory.class, new WarehouseInventory(), RpcCodec.json());
 * Inventory remote = connection.service(Inventory.class, RpcCodec.json());
 * remote.find("A-1").map(Item::name)
 * }</pre>
 *
 * <p>Each abstract method takes at most one argument and returns a {@code Mono} or a
 * {@code Flux}: a {@code Mono} is a request/response (or fire-and-forget, when its
 * {@link RpcMethod} says so), a {@code Flux} is a request/stream, or a channel when its argument
 * is a {@code Flux} too. Its route is {@code "Interface.method"} unless {@link RpcMethod#route()}
 * names one, so a plain RSocket peer can call it by that name. The interface is checked when the
 * proxy or the routes are made, with an error naming the method that does not fit.
 *
 * <p>Errors: an argument the server cannot decode is answered with {@link RpcException#INVALID}
 * naming the route and the type; the implementation's own errors arrive as
 * {@link RpcException#APPLICATION_ERROR} with their message; an answer the caller cannot decode
 * fails its call with {@link RpcException#INVALID} too.
 */
public final class RpcService {

    private RpcService() {
    }

    /** Routes that answer every method of {@code service} by calling {@code implementation}. */
    public static <T> Routes routes(Class<T> service, T implementation, RpcCodec codec) {
        Routes routes = Routes.empty();
        for (Map.Entry<Method, Shape> e : shapes(service).entrySet()) {
            routes = e.getValue().serve(routes, e.getKey(), implementation, codec);
        }
        return routes;
    }

    static <T> T proxy(RpcConnection connection, Class<T> service, RpcCodec codec) {
        Map<Method, Shape> shapes = shapes(service);
        InvocationHandler handler = (proxy, method, args) -> {
            Shape shape = shapes.get(method);
            if (shape == null) { // Object's methods
                switch (method.getName()) {
                    case "toString": return service.getSimpleName() + " over " + connection.description();
                    case "hashCode": return System.identityHashCode(proxy);
                    case "equals": return proxy == args[0];
                    default: throw new UnsupportedOperationException(method.toString());
                }
            }
            return shape.call(connection, codec, args == null ? null : args[0]);
        };
        return service.cast(Proxy.newProxyInstance(service.getClassLoader(), new Class<?>[] {service}, handler));
    }

    private static Map<Method, Shape> shapes(Class<?> service) {
        if (!service.isInterface()) {
            throw new IllegalArgumentException(service.getName() + " is not an interface");
        }
        Map<Method, Shape> shapes = new LinkedHashMap<>();
        for (Method m : service.getMethods()) {
            if (Modifier.isStatic(m.getModifiers()) || m.isDefault()) {
                continue;
            }
            shapes.put(m, Shape.of(service, m));
        }
        return shapes;
    }

    /** One method's interaction, route and types. */
    private static final class Shape {
        final Routes.Interaction interaction;
        final String route;
        final Type argument; // null: no argument
        final Type result;   // the Mono's or Flux's element type

        private Shape(Routes.Interaction interaction, String route, Type argument, Type result) {
            this.interaction = interaction;
            this.route = route;
            this.argument = argument;
            this.result = result;
        }

        static Shape of(Class<?> service, Method m) {
            String where = service.getSimpleName() + "." + m.getName();
            RpcMethod a = m.getAnnotation(RpcMethod.class);
            String route = a != null && !a.route().isEmpty() ? a.route() : where;
            if (m.getParameterCount() > 1) {
                throw new IllegalArgumentException(where + " takes " + m.getParameterCount()
                        + " arguments: an RPC method takes at most one (wrap several in a record)");
            }
            Class<?> returns = m.getReturnType();
            if (returns != Mono.class && returns != Flux.class) {
                throw new IllegalArgumentException(where + " returns " + returns.getSimpleName() + ": an RPC method returns Mono or Flux");
            }
            Type result = element(m.getGenericReturnType(), where);
            Type argument = m.getParameterCount() == 0 ? null : m.getGenericParameterTypes()[0];
            boolean fluxArgument = argument != null && m.getParameterTypes()[0] == Flux.class;
            if (argument != null && Publisher.class.isAssignableFrom(m.getParameterTypes()[0]) && !fluxArgument) {
                throw new IllegalArgumentException(where + " takes a " + m.getParameterTypes()[0].getSimpleName()
                        + ": a streamed argument must be a Flux (a channel)");
            }
            Routes.Interaction interaction;
            if (returns == Mono.class) {
                if (fluxArgument) {
                    throw new IllegalArgumentException(where + " takes a Flux but returns a Mono: a channel returns a Flux");
                }
                boolean fnf = a != null && a.fireAndForget();
                if (fnf && result != Void.class) {
                    throw new IllegalArgumentException(where + " is fire-and-forget but returns Mono<" + result.getTypeName() + ">: it must return Mono<Void>");
                }
                interaction = fnf ? Routes.Interaction.FIRE_AND_FORGET : Routes.Interaction.REQUEST_RESPONSE;
            } else {
                interaction = fluxArgument ? Routes.Interaction.REQUEST_CHANNEL : Routes.Interaction.REQUEST_STREAM;
            }
            return new Shape(interaction, route, fluxArgument ? element(argument, where) : argument, result);
        }

        private static Type element(Type type, String where) {
            if (!(type instanceof ParameterizedType)) {
                throw new IllegalArgumentException(where + " uses a raw " + type.getTypeName() + ": say what it carries, Mono<String> say");
            }
            return ((ParameterizedType) type).getActualTypeArguments()[0];
        }

        // ---- the caller's side

        Object call(RpcConnection c, RpcCodec codec, Object arg) {
            switch (interaction) {
                case REQUEST_RESPONSE:
                    return Mono.defer(() -> c.requestResponse(route, encode(codec, arg))).handle((p, sink) -> {
                        if (result == Void.class) {
                            return;
                        }
                        sink.next(decodeAnswer(codec, p));
                    });
                case FIRE_AND_FORGET:
                    return Mono.defer(() -> c.fireAndForget(route, encode(codec, arg)));
                case REQUEST_STREAM:
                    return Flux.defer(() -> c.requestStream(route, encode(codec, arg))).map(p -> decodeAnswer(codec, p));
                default:
                    Flux<?> in = arg == null ? Flux.empty() : (Flux<?>) arg;
                    return c.requestChannel(route, in.map(v -> Payload.of(codec.encode(v, argument))))
                            .map(p -> decodeAnswer(codec, p));
            }
        }

        private Payload encode(RpcCodec codec, Object arg) {
            return argument == null ? Payload.empty() : Payload.of(codec.encode(arg, argument));
        }

        private Object decodeAnswer(RpcCodec codec, Payload p) {
            try {
                return codec.decode(p.data(), result);
            } catch (IllegalArgumentException e) {
                throw new RpcException(RpcException.INVALID, e.getMessage(),
                        "the answer of route '" + route + "' could not be decoded: " + e.getMessage(), route);
            }
        }

        // ---- the implementation's side

        Routes serve(Routes routes, Method m, Object impl, RpcCodec codec) {
            try {
                m.setAccessible(true); // an interface that is not public, nested in a test say
            } catch (RuntimeException e) {
                // a module that does not open the package: invoke() says so if it matters
            }
            switch (interaction) {
                case REQUEST_RESPONSE:
                    return routes.requestResponse(route, p -> Mono.from(invoke(m, impl, decodeArgument(codec, p)))
                            .map(v -> Payload.of(codec.encode(v, result))));
                case FIRE_AND_FORGET:
                    return routes.fireAndForget(route, p -> Mono.from(invoke(m, impl, decodeArgument(codec, p))).then());
                case REQUEST_STREAM:
                    return routes.requestStream(route, p -> Flux.from(invoke(m, impl, decodeArgument(codec, p)))
                            .map(v -> Payload.of(codec.encode(v, result))));
                default:
                    return routes.requestChannel(route, in -> Flux.from(invoke(m, impl, in.map(p -> decodeArgument(codec, p))))
                            .map(v -> Payload.of(codec.encode(v, result))));
            }
        }

        private Object decodeArgument(RpcCodec codec, Payload p) {
            if (argument == null) {
                return null;
            }
            try {
                return codec.decode(p.data(), argument);
            } catch (IllegalArgumentException e) {
                throw new RpcException(RpcException.INVALID, "route '" + route + "' cannot decode its argument: " + e.getMessage(),
                        "route '" + route + "' cannot decode its argument: " + e.getMessage(), route);
            }
        }

        private Publisher<?> invoke(Method m, Object impl, Object arg) {
            try {
                Object r = m.getParameterCount() == 0 ? m.invoke(impl) : m.invoke(impl, arg);
                if (r == null) {
                    throw new NullPointerException(m.getDeclaringClass().getSimpleName() + "." + m.getName() + " returned null");
                }
                return (Publisher<?>) r;
            } catch (InvocationTargetException e) {
                Throwable t = e.getCause();
                throw t instanceof RuntimeException ? (RuntimeException) t : new IllegalStateException(t);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("cannot call " + m + " on " + impl.getClass().getName() + ": " + e.getMessage(), e);
            }
        }
    }
}
