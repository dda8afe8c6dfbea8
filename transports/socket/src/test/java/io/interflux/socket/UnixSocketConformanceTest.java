package io.interflux.socket;

import io.interflux.testkit.TransportConformance;
import io.interflux.testkit.TransportUnderTest;
import org.junit.jupiter.api.DisplayName;

/**
 * The conformance suite over Unix stream sockets: an Interflux client, a relay process, an
 * Interflux server's connection; the server's socket file must be gone once the loopback closes.
 */
@DisplayName("The Unix stream socket transport, relayed through a child process,")
class UnixSocketConformanceTest extends TransportConformance {

    @Override
    protected TransportUnderTest transport() {
        return RelayedSocketTransport.unix();
    }
}
