package io.interflux.benchmarks;

import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.Stdio;
import io.interflux.rpc.Payload;
import io.interflux.rpc.PipeRpc;
import io.interflux.rpc.Routes;
import io.interflux.rpc.Rpc;
import io.interflux.rpc.RpcConnection;
import io.interflux.rpc.RpcServer;
import io.interflux.rpc.ServerTransport;
import io.interflux.rpc.SocketRpc;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Interflux side of the rpc benchmark, as a user writes it with {@code io.interflux.rpc} on
 * its defaults: a server whose route {@value #CALL} echoes the request's data and whose route
 * {@value #STREAM} answers with {@value RpcWorkload#STREAM_ITEMS} 64-byte items, and a client of it over a Unix
 * socket, loopback TCP, or the pipes of a child JVM that serves with
 * {@link PipeRpc#standardStreams()}.
 */
final class InterfluxRpc implements RpcPeer.Client {

    static final String CALL = "call";
    static final String STREAM = "stream";

    private final byte[] payload = new byte[RpcWorkload.PAYLOAD];
    private final RpcConnection connection;
    private final ChildProcess child;

    private InterfluxRpc(RpcConnection connection, ChildProcess child) {
        this.connection = connection;
        this.child = child;
    }

    static Routes routes() {
        byte[] item = new byte[RpcWorkload.PAYLOAD];
        return Routes.empty()
                .requestResponse(CALL, p -> Mono.just(Payload.of(p.data())))
                .requestStream(STREAM, p -> Flux.range(0, RpcWorkload.STREAM_ITEMS).map(i -> Payload.of(item)));
    }

    /** A server at {@code unix:PATH} or {@code tcp:PORT} (on 127.0.0.1), or on this process's stdin and stdout ({@code pipe}). */
    static RpcServer serve(String address) {
        ServerTransport transport;
        if (address.equals("pipe")) {
            transport = PipeRpc.standardStreams();
        } else {
            SocketEnd.Address a = SocketEnd.Address.parse(address);
            transport = a.unix() ? SocketRpc.unixServer(a.path) : SocketRpc.tcpServer("127.0.0.1", a.port);
        }
        return Rpc.server(routes()).bindNow(transport, RpcWorkload.LIMIT);
    }

    /**
     * A client of the server at {@code unix:PATH} or {@code tcp:PORT}, or, for {@code pipe}, of a
     * child JVM it starts ({@link RpcPeer} {@code server interflux pipe}) serving over its stdio.
     */
    static InterfluxRpc connect(String address) {
        if (!address.equals("pipe")) {
            SocketEnd.Address a = SocketEnd.Address.parse(address);
            return new InterfluxRpc(Rpc.client().connectNow(a.unix() ? SocketRpc.unix(a.path) : SocketRpc.tcp("127.0.0.1", a.port),
                    RpcWorkload.LIMIT), null);
        }
        List<String> cmd = new ArrayList<>(PeerJvm.command(RpcPeer.class));
        cmd.add(1, "-XX:+DisplayVMOutputToStderr"); // its stdout carries frames only, even the JVM's warnings go to stderr
        cmd.addAll(List.of("server", "interflux", "pipe"));
        ChildProcess child = ChildProcess.command(cmd).stderr(Stdio.INHERIT).startNow(RpcWorkload.LIMIT);
        return new InterfluxRpc(Rpc.client().connectNow(PipeRpc.child(child), RpcWorkload.LIMIT), child);
    }

    @Override
    public Mono<Payload> call() {
        return connection.requestResponse(CALL, Payload.of(payload));
    }

    @Override
    public Flux<Payload> stream() {
        return connection.requestStream(STREAM, Payload.of(payload));
    }

    @Override
    public int size(Object answer) {
        return ((Payload) answer).data().length;
    }

    @Override
    public void close() {
        connection.disposeNow(RpcWorkload.LIMIT);
        if (child != null) {
            // the child's server ends with its stdin, which the connection's dispose closed
            child.exit().block(RpcWorkload.LIMIT);
        }
    }
}
