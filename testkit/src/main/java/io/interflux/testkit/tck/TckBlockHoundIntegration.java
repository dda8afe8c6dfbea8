package io.interflux.testkit.tck;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Lets the Reactive Streams TCK's own probes record signals on a non-blocking thread. The TCK's
 * test subscribers and subscriptions put what they receive into {@code ArrayBlockingQueue}s,
 * whose lock parks for a moment when the test thread reads at the same time; an Interflux or
 * reactor-netty event loop delivering an element (or a request) into them would then fail with
 * BlockHound's error instead of the element, and the test with a missing one. Only those
 * recording methods are allowed, so a blocking call of the code under test is still caught.
 *
 * <p>Registered as a BlockHound integration service by the testkit jar; names only, so it costs
 * nothing where the TCK is not on the class path.
 */
public final class TckBlockHoundIntegration implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside("org.reactivestreams.tck.TestEnvironment$Receptacle", "add");
        builder.allowBlockingCallsInside("org.reactivestreams.tck.TestEnvironment$Receptacle", "complete");
        builder.allowBlockingCallsInside("org.reactivestreams.tck.TestEnvironment$Promise", "complete");
        builder.allowBlockingCallsInside("org.reactivestreams.tck.TestEnvironment$Promise", "completeImmediatly");
    }
}
