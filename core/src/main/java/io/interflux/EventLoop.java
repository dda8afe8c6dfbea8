package io.interflux;

import io.interflux.internal.Poller;
import io.interflux.internal.Pollers;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that wait for descriptors to become readable or writable.
 *
 * <p>A few threads multiplex every readiness-capable descriptor Interflux opens: pipes, FIFOs,
 * queue descriptors, process exit descriptors. Streams never get a thread of their own; the
 * threads are Reactor non-blocking threads, so BlockHound and {@code block()} refuse blocking
 * calls on them.
 *
 * <p>{@link #shared()} serves every spec that does not name a loop. Its size comes from the
 * system property {@value #THREADS_PROPERTY} (default: half the processors, between 1 and 4).
 *
 * <pre>{@code
 * EventLoop loop = EventLoop.create("ipc", 2);
 * ...
 * loop.disposeLater().block();
 * }</pre>
 */
public final class EventLoop implements Disposable {

    /** System property holding the number of threads of {@link #shared()}. */
    public static final String THREADS_PROPERTY = "interflux.eventLoop.threads";

    private static final class Shared {
        static final EventLoop INSTANCE = create("interflux-loop",
                Integer.getInteger(THREADS_PROPERTY, defaultThreads()));
    }

    private final String name;
    private final Poller[] pollers;
    private final AtomicInteger next = new AtomicInteger();
    private final Sinks.Empty<Void> terminated = Sinks.empty();
    private volatile boolean disposed;

    private EventLoop(String name, int threads) {
        this.name = name;
        this.pollers = new Poller[threads];
        for (int i = 0; i < threads; i++) {
            pollers[i] = Pollers.start(name + "-" + (i + 1));
        }
    }

    /** The thread count {@link #shared()} has unless {@value #THREADS_PROPERTY} says otherwise: half the processors, 1 to 4. */
    public static int defaultThreads() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));
    }

    /** The loop every spec uses unless told otherwise. Its daemon threads live as long as the JVM. */
    public static EventLoop shared() {
        return Shared.INSTANCE;
    }

    /**
     * A new loop of {@code threads} daemon threads named {@code name-1}, {@code name-2}, ...
     */
    public static EventLoop create(String name, int threads) {
        if (threads <= 0 || threads > 64) {
            throw new IllegalArgumentException("0 < threads <= 64 required but it was " + threads);
        }
        return new EventLoop(java.util.Objects.requireNonNull(name, "name"), threads);
    }

    static {
        io.interflux.internal.Spi.install(EventLoop::next, null);
    }

    /** The poller for a new descriptor, round-robin; transports reach it through {@link io.interflux.internal.Spi}. */
    Poller next() {
        if (disposed) {
            throw new IllegalStateException("event loop " + name + " is disposed");
        }
        return pollers[Math.floorMod(next.getAndIncrement(), pollers.length)];
    }

    /** Stops the threads once their queued work is done; completes when all have exited. */
    public Mono<Void> disposeLater() {
        return Mono.defer(() -> {
            dispose();
            return terminated.asMono();
        });
    }

    @Override
    public void dispose() {
        if (this == Shared.INSTANCE) {
            throw new UnsupportedOperationException("the shared event loop lives as long as the JVM");
        }
        if (!disposed) {
            disposed = true;
            for (Poller p : pollers) {
                Pollers.shutdown(p);
            }
            awaitThreadsThenTerminate();
        }
    }

    @Override
    public boolean isDisposed() {
        return disposed;
    }

    /**
     * A short-lived thread of its own waits for every poller thread to exit, then completes
     * {@link #disposeLater()}: whoever waited for it may count the threads and find none, and
     * neither the disposing caller nor a poller (which may be the caller) waits.
     */
    private void awaitThreadsThenTerminate() {
        Thread reaper = new Thread(() -> {
            try {
                for (Poller p : pollers) {
                    Pollers.awaitExit(p);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            terminated.tryEmitEmpty();
        }, "interflux-stopping-" + name);
        reaper.setDaemon(true);
        reaper.start();
    }

    @Override
    public String toString() {
        return "EventLoop[" + name + ", threads=" + pollers.length + "]";
    }
}
