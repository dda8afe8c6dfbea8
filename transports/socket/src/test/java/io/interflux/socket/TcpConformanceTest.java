package io.interflux.socket;

import io.interflux.testkit.TransportConformance;
import io.interflux.testkit.TransportUnderTest;
import org.junit.jupiter.api.DisplayName;

/** The conformance suite over TCP on 127.0.0.1: an Interflux client, a relay process, an Interflux server's connection. */
@DisplayName("The TCP stream transport, relayed through a child process,")
class TcpConformanceTest extends TransportConformance {

    @Override
    protected TransportUnderTest transport() {
        return RelayedSocketTransport.tcp();
    }
}
