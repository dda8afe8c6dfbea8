package io.interflux.benchmarks;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.BufferedReader;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A JVM of the rpc benchmark running from the benchmark jar, one side of one implementation
 * (Interflux, gRPC), started by {@link RpcBenchmark}; rsocket-java's are
 * {@code RSocketBenchPeer.java}, which speaks the same lines.
 *
 * <pre>
 *  server IMPL ADDRESS   serves at ADDRESS (unix:PATH, tcp:PORT with 0 for a free one), says
 *                        "listening ADDRESS" and serves until its stdin ends
 *  server interflux pipe serves over its own stdin and stdout (the child a pipe client starts):
 *                        prints nothing, and ends when its stdin does
 *  client IMPL ADDRESS   connects (interflux pipe: starts that child), checks one call and one
 *                        stream, says "ready", then runs one command per line of stdin:
 *    calls SECONDS       "rate R": completed calls per second, RpcWorkload.IN_FLIGHT outstanding
 *    rtt SECONDS FILE    one call at a time; writes each round trip's nanoseconds to FILE
 *                        (big-endian longs), says "count N"
 *    stream SECONDS      "rate R": items per second of request/streams one after another
 * </pre>
 *
 * Each command is answered with {@code ok}, or {@code error: ...}. A peer ends when its parent dies.
 */
public final class RpcPeer {

    /** What a client peer measures through. */
    interface Client extends AutoCloseable {
        /** One request/response call of a 64-byte payload. */
        Mono<?> call();

        /** One request/stream of {@value RpcWorkload#STREAM_ITEMS} 64-byte items. */
        Flux<?> stream();

        /** The data size of an answer or item, for the check before measuring. */
        int size(Object answer);

        @Override
        void close();
    }

    private RpcPeer() {
    }

    public static void main(String[] args) throws Exception {
        ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> Runtime.getRuntime().halt(3)));
        String impl = args[1];
        String address = args[2];
        if (args[0].equals("server")) {
            serve(impl, address);
        } else {
            run(connect(impl, address));
        }
        System.exit(0);
    }

    private static void serve(String impl, String address) throws IOException {
        AutoCloseable server;
        switch (impl) {
            case "interflux":
                io.interflux.rpc.RpcServer rpc = InterfluxRpc.serve(address);
                if (address.equals("pipe")) {
                    rpc.onDispose().block(); // the parent closed our stdin
                    return;
                }
                if (rpc.address() instanceof InetSocketAddress) { // the port bound, for tcp:0
                    address = "tcp:" + ((InetSocketAddress) rpc.address()).getPort();
                }
                server = () -> rpc.disposeNow(RpcWorkload.LIMIT);
                break;
            case "grpc":
                server = GrpcEcho.serve(SocketEnd.Address.parse(address).path);
                break;
            default:
                throw new IllegalArgumentException("interflux or grpc required but it was " + impl);
        }
        System.out.println("listening " + address);
        try {
            System.in.transferTo(java.io.OutputStream.nullOutputStream()); // until the benchmark closes our stdin
        } finally {
            try {
                server.close();
            } catch (Exception e) {
                System.err.println(impl + " server at " + address + " did not close: " + e);
            }
        }
    }

    private static Client connect(String impl, String address) {
        switch (impl) {
            case "interflux":
                return InterfluxRpc.connect(address);
            case "grpc":
                return GrpcEcho.connect(SocketEnd.Address.parse(address).path);
            default:
                throw new IllegalArgumentException("interflux or grpc required but it was " + impl);
        }
    }

    private static void run(Client client) throws IOException {
        try {
            check(client);
            System.out.println("ready");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                try {
                    command(client, line.trim().split(" "));
                    System.out.println("ok");
                } catch (Exception | Error e) {
                    System.out.println("error: " + e);
                }
            }
        } finally {
            client.close();
        }
    }

    /** One call and a few stream items, each of 64 bytes: the server answers what is measured. */
    private static void check(Client client) {
        Object answer = client.call().block(RpcWorkload.LIMIT);
        if (answer == null || client.size(answer) != RpcWorkload.PAYLOAD) {
            throw new IllegalStateException("a call was answered with " + (answer == null ? "nothing" : client.size(answer) + " bytes"));
        }
        for (Object item : client.stream().take(3).collectList().block(RpcWorkload.LIMIT)) {
            if (client.size(item) != RpcWorkload.PAYLOAD) {
                throw new IllegalStateException("a stream item has " + client.size(item) + " bytes");
            }
        }
    }

    private static void command(Client client, String[] cmd) throws IOException {
        double seconds = Double.parseDouble(cmd[1]);
        switch (cmd[0]) {
            case "calls":
                System.out.println(String.format(Locale.ROOT, "rate %.6g", RpcWorkload.calls(client::call, seconds)));
                break;
            case "rtt":
                long[] rtt = RpcWorkload.roundTrips(client::call, seconds);
                write(Path.of(cmd[2]), rtt);
                System.out.println("count " + rtt.length);
                break;
            case "stream":
                System.out.println(String.format(Locale.ROOT, "rate %.6g", RpcWorkload.streamItems(client::stream, seconds)));
                break;
            default:
                throw new IllegalArgumentException("unknown command " + String.join(" ", cmd));
        }
    }

    static void write(Path file, long[] values) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(file)))) {
            for (long v : values) {
                out.writeLong(v);
            }
        }
    }
}
