package io.interflux.socket;

/** {@link StreamReceiveVerification} over a Unix socket. */
public class UnixStreamReceiveTckTest extends StreamReceiveVerification {

    @Override
    StreamServerSpec<String> server() {
        return lines(SocketServer.unix(temporaryDirectory().resolve("tck.sock")));
    }

    @Override
    StreamClientSpec<String> client(StreamServer<String> server) {
        return lines(SocketClient.unix(server.path()));
    }
}
