package io.interflux.internal;

/** Starts and stops {@link Poller}s for {@link io.interflux.EventLoop}. */
public final class Pollers {

    private Pollers() {
    }

    public static Poller start(String name) {
        return new Poller(name);
    }

    public static void shutdown(Poller poller) {
        poller.shutdown();
    }

    /** Waits for the poller's thread to exit. Blocking: call it only from a thread made for waiting. */
    public static void awaitExit(Poller poller) throws InterruptedException {
        poller.awaitExit();
    }
}
