package io.interflux.internal;

/**
 * The library's native calls that block the calling thread. Each is marked blocking for
 * BlockHound by {@link InterfluxBlockHoundIntegration}, so calling one on a non-blocking thread
 * outside the places allowed to is caught.
 */
public final class BlockingCalls {

    private BlockingCalls() {
    }

    /** {@code epoll_wait(2)}: sleeps until a descriptor is ready. Allowed only in the loop's own sleep. */
    public static int epollWait(int epfd, long events, int maxEvents, int timeoutMillis) {
        return Native.libc().epoll_wait(epfd, events, maxEvents, timeoutMillis);
    }
}
