package io.interflux.internal;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Tells BlockHound which of Interflux's native entry points block.
 *
 * <p>Native calls made through jnr are invisible to BlockHound's JDK instrumentation, so the
 * library names its blocking ones here: {@link BlockingCalls#epollWait} blocks, and is allowed only
 * inside the event loop's own sleep. Loaded through {@link java.util.ServiceLoader} when the
 * application installs BlockHound.
 *
 * <p>The blocking calls live in {@link BlockingCalls}, apart from the methods allowed to make
 * them: BlockHound applies one transformation per class, so a class cannot both be marked and
 * hold an allowance.
 */
public final class InterfluxBlockHoundIntegration implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.markAsBlocking(BlockingCalls.class.getName(), "epollWait", "(IJII)I");
        builder.allowBlockingCallsInside(Poller.class.getName(), "awaitReady");
    }
}
