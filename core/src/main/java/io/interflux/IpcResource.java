package io.interflux;

import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * Something Interflux opened: a child process, a FIFO, a queue, a socket.
 *
 * <p>{@link #dispose()} closes its descriptors and, where this process created a named object
 * and the spec asked for it, unlinks it. It never blocks and may be called from any thread, any
 * number of times. {@link #onDispose()} completes once everything is released.
 */
public interface IpcResource extends Disposable {

    /** Completes when the resource's descriptors are closed and its named objects released. */
    Mono<Void> onDispose();

    /**
     * {@link #dispose()}, then waits for at most {@code timeout} until everything is released:
     * blocking, for {@code main} methods and tests only (Reactor refuses it on a non-blocking
     * thread). Compose {@code dispose()} and {@link #onDispose()} instead in reactive code.
     *
     * @throws IllegalStateException when the release takes longer than {@code timeout}
     */
    default void disposeNow(java.time.Duration timeout) {
        dispose();
        onDispose().block(timeout);
    }
}
