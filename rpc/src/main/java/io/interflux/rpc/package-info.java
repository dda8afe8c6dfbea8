/**
 * Calls between processes: request/response, fire-and-forget, request/stream and channel, with
 * the subscriber's demand carried to the remote handler as RSocket 1.0 request-n.
 *
 * <p>{@link io.interflux.rpc.Rpc} starts a spec; {@link io.interflux.rpc.Routes} say what a side
 * answers; {@link io.interflux.rpc.RpcConnection} makes calls; {@link io.interflux.rpc.RpcService}
 * turns a Java interface into routes and proxies. Transports: {@link io.interflux.rpc.SocketRpc}
 * (TCP, Unix sockets), {@link io.interflux.rpc.PipeRpc} (a child's stdin and stdout),
 * {@link io.interflux.rpc.RingRpc} (shared-memory rings), or any
 * {@link io.interflux.rpc.FrameDuplex}.
 */
package io.interflux.rpc;
