/**
 * Stream sockets, TCP and Unix domain, on reactor-netty: {@link io.interflux.socket.SocketServer}
 * and {@link io.interflux.socket.SocketClient} make specs; connections are framed and coded like
 * pipes and FIFOs, read only while there is demand, and Unix sockets get exact permissions,
 * stale-file reclaiming and peer credentials.
 */
package io.interflux.socket;
