package io.interflux.socket;

/** {@link StreamSendVerification} over loopback TCP. */
public class TcpStreamSendTckTest extends StreamSendVerification {

    @Override
    StreamServerSpec<String> server() {
        return StreamReceiveVerification.lines(SocketServer.tcp("127.0.0.1", 0));
    }

    @Override
    StreamClientSpec<String> client(StreamServer<String> server) {
        return StreamReceiveVerification.lines(SocketClient.tcp("127.0.0.1", server.port()));
    }
}
