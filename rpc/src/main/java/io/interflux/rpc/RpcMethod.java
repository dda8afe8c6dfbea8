package io.interflux.rpc;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** How a method of an {@link RpcService} interface travels: its route, and whether it is fire-and-forget. */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface RpcMethod {

    /** The route; empty for the default, {@code "Interface.method"}. */
    String route() default "";

    /** A {@code Mono<Void>} method sent as fire-and-forget instead of awaiting the handler's completion. */
    boolean fireAndForget() default false;
}
