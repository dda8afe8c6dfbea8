package io.interflux.benchmarks;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@code grpc-java-uds} baseline of the rpc benchmark: grpc-java over a Unix domain socket
 * (grpc-netty-shaded's epoll transport), as a user writes it without generated code: a
 * {@link MethodDescriptor} per method with a byte-array marshaller, a unary {@code Call} that
 * echoes the request, and a server-streaming {@code Stream} that sends
 * {@value RpcWorkload#STREAM_ITEMS} 64-byte items as the call is ready ({@code setOnReadyHandler},
 * grpc's own flow control).
 * The client's calls are wrapped as a {@link Mono} and a {@link Flux}, so that
 * {@link RpcWorkload} drives them as it drives Interflux's. Both ends run their callbacks on the
 * event loop ({@code directExecutor()}, grpc's advice for handlers that never block), as
 * Interflux and rsocket-java do: on grpc's default executor every message hops to a pooled
 * thread, and on two cores that made it 10 to 20 times slower (a smoke run: about 2,500 calls/s
 * and 1.4 ms round trips).
 */
final class GrpcEcho implements RpcPeer.Client {

    private static final String SERVICE = "interflux.bench.Echo";
    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream in) {
            try {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    static final MethodDescriptor<byte[], byte[]> CALL = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Call"))
            .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
    static final MethodDescriptor<byte[], byte[]> STREAM = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Stream"))
            .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();

    /**
     * grpc-netty sets SO_KEEPALIVE on every channel, which a Unix socket has not, and Netty warns
     * of it on each connection; held here since java.util.logging keeps its loggers weakly.
     */
    private static final Logger BOOTSTRAP_LOG = Logger.getLogger("io.grpc.netty.shaded.io.netty.bootstrap");

    static {
        BOOTSTRAP_LOG.setLevel(Level.SEVERE);
    }

    private final byte[] payload = new byte[RpcWorkload.PAYLOAD];
    private final EventLoopGroup group;
    private final ManagedChannel channel;

    private GrpcEcho(EventLoopGroup group, ManagedChannel channel) {
        this.group = group;
        this.channel = channel;
    }

    /** A server on the Unix socket at {@code path}; closing it stops the server and its loops. */
    static AutoCloseable serve(Path path) throws IOException {
        byte[] item = new byte[RpcWorkload.PAYLOAD];
        ServerServiceDefinition service = ServerServiceDefinition.builder(SERVICE)
                .addMethod(CALL, ServerCalls.asyncUnaryCall((request, answer) -> {
                    answer.onNext(request);
                    answer.onCompleted();
                }))
                .addMethod(STREAM, ServerCalls.asyncServerStreamingCall((request, answer) -> {
                    ServerCallStreamObserver<byte[]> out = (ServerCallStreamObserver<byte[]>) answer;
                    int[] sent = {0}; // the handler runs on the call's serialising executor, one at a time
                    out.setOnCancelHandler(() -> { }); // a cancelled call just stops: the ready loop sees it
                    out.setOnReadyHandler(() -> {
                        while (sent[0] < RpcWorkload.STREAM_ITEMS && out.isReady() && !out.isCancelled()) {
                            out.onNext(item);
                            if (++sent[0] == RpcWorkload.STREAM_ITEMS) {
                                out.onCompleted();
                            }
                        }
                    });
                }))
                .build();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(EpollIoHandler.newFactory());
        Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(path.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(group)
                .workerEventLoopGroup(group)
                .addService(service)
                .directExecutor()
                .build()
                .start();
        return () -> {
            server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        };
    }

    /** A client of the server on the Unix socket at {@code path}. */
    static GrpcEcho connect(Path path) {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(EpollIoHandler.newFactory());
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(path.toString()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(group)
                .usePlaintext()
                .directExecutor()
                .build();
        return new GrpcEcho(group, channel);
    }

    @Override
    public Mono<byte[]> call() {
        return Mono.create(sink -> {
            ClientCall<byte[], byte[]> call = channel.newCall(CALL, CallOptions.DEFAULT);
            sink.onCancel(() -> call.cancel("the subscriber cancelled", null));
            ClientCalls.asyncUnaryCall(call, payload, observer(sink::success, sink::error, sink::success));
        });
    }

    @Override
    public Flux<byte[]> stream() {
        return Flux.create(sink -> {
            ClientCall<byte[], byte[]> call = channel.newCall(STREAM, CallOptions.DEFAULT);
            sink.onCancel(() -> call.cancel("the subscriber cancelled", null));
            ClientCalls.asyncServerStreamingCall(call, payload, observer(sink::next, sink::error, sink::complete));
        });
    }

    private static StreamObserver<byte[]> observer(Consumer<byte[]> next, Consumer<Throwable> error, Runnable completed) {
        return new StreamObserver<>() {
            @Override
            public void onNext(byte[] value) {
                next.accept(value);
            }

            @Override
            public void onError(Throwable t) {
                error.accept(t);
            }

            @Override
            public void onCompleted() {
                completed.run();
            }
        };
    }

    @Override
    public int size(Object answer) {
        return ((byte[]) answer).length;
    }

    @Override
    public void close() {
        try {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
