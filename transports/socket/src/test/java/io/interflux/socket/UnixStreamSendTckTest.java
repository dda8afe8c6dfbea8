package io.interflux.socket;

/** {@link StreamSendVerification} over a Unix socket. */
public class UnixStreamSendTckTest extends StreamSendVerification {

    @Override
    StreamServerSpec<String> server() {
        return StreamReceiveVerification.lines(SocketServer.unix(temporaryDirectory().resolve("tck.sock")));
    }

    @Override
    StreamClientSpec<String> client(StreamServer<String> server) {
        return StreamReceiveVerification.lines(SocketClient.unix(server.path()));
    }
}
