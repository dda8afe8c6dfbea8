package io.interflux.internal;

import io.interflux.IpcException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One descriptor's interest on one {@link Poller}.
 *
 * <p>An edge-triggered registration ({@link Poller#registerEdgeTriggered}) is added once, on its
 * first {@link #arm(int)}, with {@code EPOLLET}: later arms cost no system call, and the handler
 * hears of every transition to ready, wanted or not. It suits a drain that always reads or writes
 * until {@code EAGAIN} before it waits, and that drains anew whenever demand arrives; such a
 * drain cannot miss an edge, and saves an {@code epoll_ctl} per wait.
 *
 * <p>Interest is one-shot: {@link #arm(int)} asks for the next readiness, which is reported once
 * and then disarmed by the kernel ({@code EPOLLONESHOT}). A stream arms only when a read or write
 * returned {@code EAGAIN} while it still had work, so a stream without demand is never woken,
 * and a hung-up descriptor cannot make the loop spin.
 *
 * <p>{@link #cancel()} must be called before the descriptor is closed.
 */
public final class Registration {

    private final Poller poller;
    private final int fd;
    private final long id;
    private final ReadyHandler handler;
    private final ByteBuffer event;
    private final long eventAddress;

    private final boolean edgeTriggered;
    private int wanted;
    private boolean added;
    private boolean cancelled;

    Registration(Poller poller, int fd, long id, ReadyHandler handler, boolean edgeTriggered) {
        this.edgeTriggered = edgeTriggered;
        this.poller = poller;
        this.fd = fd;
        this.id = id;
        this.handler = handler;
        this.event = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
        this.eventAddress = Native.address(event);
    }

    /** Asks to be told once when the descriptor is ready for {@code events}. Any thread. */
    public synchronized void arm(int events) {
        if (cancelled) {
            return;
        }
        if (edgeTriggered) {
            // registered once per event kind; from then on every transition is reported
            if (added && (wanted & events) == events) {
                return;
            }
            wanted |= events;
            ctl(added ? Poller.EPOLL_CTL_MOD : Poller.EPOLL_CTL_ADD, wanted | Poller.EPOLLET);
            added = true;
            return;
        }
        wanted |= events;
        ctl(added ? Poller.EPOLL_CTL_MOD : Poller.EPOLL_CTL_ADD, wanted | Poller.EPOLLONESHOT);
        added = true;
    }

    /** Removes the descriptor from the poller. Idempotent; call it before closing the descriptor. */
    public void cancel() {
        synchronized (this) {
            if (cancelled) {
                return;
            }
            cancelled = true;
            if (added) {
                // the descriptor may already be gone (peer closed), or the loop stopped; best effort
                poller.ctl(Poller.EPOLL_CTL_DEL, fd, 0);
            }
        }
        poller.forget(id);
    }

    /** The descriptor this registration watches. */
    public int fd() {
        return fd;
    }

    long id() {
        return id;
    }

    /** The poller whose thread reports readiness. */
    public Poller poller() {
        return poller;
    }

    void fire(int events) {
        if (edgeTriggered) {
            if (!cancelled) {
                handler.ready(events);
            }
            return;
        }
        int rest;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            // one-shot disarmed everything; keep asking for what did not fire (duplex descriptors)
            boolean hangup = (events & (Poller.EPOLLERR | Poller.EPOLLHUP)) != 0;
            rest = hangup ? 0 : wanted & ~events;
            wanted = 0;
        }
        if (rest != 0) {
            arm(rest);
        }
        handler.ready(events);
    }

    private void ctl(int op, int events) {
        event.putInt(0, events);
        event.putLong(Native.EPOLL_DATA_OFFSET, id);
        int r = poller.ctl(op, fd, eventAddress);
        if (r == -2) {
            throw new IpcException("epoll_ctl", "fd " + fd, Errno.EBADF, "its event loop has stopped");
        }
        if (r < 0) {
            throw IpcException.fromErrno("epoll_ctl", "fd " + fd, Native.errno());
        }
    }
}
