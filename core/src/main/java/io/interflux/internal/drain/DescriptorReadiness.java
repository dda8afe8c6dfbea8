package io.interflux.internal.drain;

import io.interflux.internal.Poller;
import io.interflux.internal.ReadyHandler;
import io.interflux.internal.Registration;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The readiness of one pollable descriptor shared by several streams (a POSIX queue's
 * {@code mqd_t}, which any number of receives and sends use at once) on the event loop.
 *
 * <p>epoll refuses the same descriptor twice in one instance, so a queue has a single
 * {@link Registration}; its one-shot arms for {@code EPOLLIN} and {@code EPOLLOUT} are combined
 * there. Each waiting stream is kept once in the set of its direction until the next event of
 * that direction wakes all of them; they then compete in the kernel, and those that find nothing
 * wait again. An error or hang-up wakes everyone, to meet the error in the kernel. A stream is in
 * a set at most once, so the sets are bounded by the number of streams.
 */
public final class DescriptorReadiness implements ReadyHandler {

    private static final int FAILURE = Poller.EPOLLERR | Poller.EPOLLHUP;

    private final Poller poller;
    private final Registration registration;
    private final Set<Runnable> readers = ConcurrentHashMap.newKeySet();
    private final Set<Runnable> writers = ConcurrentHashMap.newKeySet();

    public DescriptorReadiness(Poller poller, int fd) {
        this.poller = poller;
        this.registration = poller.register(fd, this);
    }

    /** A new stream's wait for a message to arrive ({@code EPOLLIN}). */
    public Readiness readable() {
        return new Waiter(readers, Poller.EPOLLIN);
    }

    /** A new stream's wait for room in the queue ({@code EPOLLOUT}). */
    public Readiness writable() {
        return new Waiter(writers, Poller.EPOLLOUT);
    }

    @Override
    public void ready(int events) {
        if ((events & (Poller.EPOLLIN | FAILURE)) != 0) {
            wake(readers);
        }
        if ((events & (Poller.EPOLLOUT | FAILURE)) != 0) {
            wake(writers);
        }
    }

    private static void wake(Set<Runnable> waiters) {
        // take the waiters out first, then run them: a woken stream that finds nothing adds
        // itself back for the next event, and must not be met again by this same pass (an
        // iterator can see re-added entries, and two such streams would wake each other forever)
        Object[] woken = waiters.toArray();
        for (Object r : woken) {
            waiters.remove(r);
        }
        for (Object r : woken) {
            ((Runnable) r).run();
        }
    }

    /** Removes the descriptor from the loop; call before closing it. */
    public void cancel() {
        registration.cancel();
    }

    private final class Waiter implements Readiness {
        private final Set<Runnable> waiters;
        private final int event;
        private volatile Runnable wakeup;

        Waiter(Set<Runnable> waiters, int event) {
            this.waiters = waiters;
            this.event = event;
        }

        @Override
        public void await(Runnable wakeup) {
            this.wakeup = wakeup;
            // in the set before the arm: an event reported after the arm finds us there
            waiters.add(wakeup);
            registration.arm(event);
        }

        @Override
        public void resume(Runnable wakeup) {
            poller.execute(wakeup);
        }

        @Override
        public void cancel() {
            Runnable w = wakeup;
            if (w != null) {
                waiters.remove(w);
            }
        }
    }
}
