package io.interflux.internal.drain;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.Logger;
import reactor.util.Loggers;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * When an open queue's kernel handle may be released: after the owner disposed it and every
 * stream still using it has stopped.
 *
 * <p>A descriptor closed while another thread is about to pass it to {@code mq_receive} could be
 * reused by an unrelated open in between; so dispose only asks the running streams to end
 * ({@link Member#ownerClosed()}), and the last one to leave runs the release (close, unlink,
 * {@code IPC_RMID}). The owner holds one use of its own, dropped by {@link #dispose()}.
 */
public final class Lifecycle {

    private static final Logger LOG = Loggers.getLogger(Lifecycle.class);

    /** A stream using the handle, told to end when the owner disposes. */
    public interface Member {
        /** The owner disposed: end soon, on the stream's own drain, then {@link #leave(Member)}. */
        void ownerClosed();
    }

    private final String description;
    private final Runnable release;
    private final Set<Member> members = ConcurrentHashMap.newKeySet();
    private final AtomicInteger uses = new AtomicInteger(1);
    private final AtomicBoolean disposed = new AtomicBoolean();
    private final Sinks.Empty<Void> released = Sinks.empty();

    /**
     * @param description what the handle is, for logs
     * @param release     closes and removes what the handle holds; runs once, on whichever thread
     *                    leaves last, and must not block
     */
    public Lifecycle(String description, Runnable release) {
        this.description = description;
        this.release = release;
    }

    /** Counts {@code member} as a user; false when the owner already disposed. */
    public boolean join(Member member) {
        if (!enter()) {
            return false;
        }
        members.add(member);
        // a dispose between enter() and add() did not see us: tell ourselves
        if (disposed.get()) {
            member.ownerClosed();
        }
        return true;
    }

    /** Drops {@code member}'s use; the last use releases the handle. */
    public void leave(Member member) {
        members.remove(member);
        exit();
    }

    /** Takes a short use for one call on the handle; false when it is disposed. Pair with {@link #exit()}. */
    public boolean enter() {
        for (;;) {
            int u = uses.get();
            if (u == 0 || disposed.get()) {
                return false;
            }
            if (uses.compareAndSet(u, u + 1)) {
                return true;
            }
        }
    }

    /** Ends a use taken by {@link #enter()}. */
    public void exit() {
        if (uses.decrementAndGet() == 0) {
            try {
                release.run();
            } catch (RuntimeException e) {
                LOG.warn("releasing " + description + " failed", e);
            } finally {
                released.tryEmitEmpty();
            }
        }
    }

    /** Asks every member to end and drops the owner's use. Idempotent, never blocks. */
    public void dispose() {
        if (disposed.compareAndSet(false, true)) {
            for (Member m : members) {
                m.ownerClosed();
            }
            exit();
        }
    }

    /** Whether {@link #dispose()} was called. */
    public boolean isDisposed() {
        return disposed.get();
    }

    /** Completes once the handle is released. */
    public Mono<Void> onReleased() {
        return released.asMono();
    }
}
