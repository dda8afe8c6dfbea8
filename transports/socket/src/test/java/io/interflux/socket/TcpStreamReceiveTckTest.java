package io.interflux.socket;

/** {@link StreamReceiveVerification} over loopback TCP. */
public class TcpStreamReceiveTckTest extends StreamReceiveVerification {

    @Override
    StreamServerSpec<String> server() {
        return lines(SocketServer.tcp("127.0.0.1", 0));
    }

    @Override
    StreamClientSpec<String> client(StreamServer<String> server) {
        return lines(SocketClient.tcp("127.0.0.1", server.port()));
    }
}
