package io.interflux.internal;

import io.interflux.IpcException;
import reactor.core.scheduler.NonBlocking;
import reactor.util.Logger;
import reactor.util.Loggers;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One event-loop thread and its epoll instance.
 *
 * <p>The thread is a Reactor {@link NonBlocking} thread: BlockHound refuses blocking calls on it
 * and {@code block()} throws there. It sleeps only in {@code epoll_wait}, which the library's
 * BlockHound integration permits inside {@link #awaitReady(int)} and nowhere else.
 */
public final class Poller implements Executor {

    private static final Logger LOG = Loggers.getLogger(Poller.class);

    public static final int EPOLLIN = 0x001;
    public static final int EPOLLOUT = 0x004;
    public static final int EPOLLERR = 0x008;
    public static final int EPOLLHUP = 0x010;
    static final int EPOLLONESHOT = 1 << 30;
    static final int EPOLLET = 1 << 31;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLL_CTL_MOD = 3;
    private static final int EPOLL_CLOEXEC = Native.O_CLOEXEC;
    private static final int EFD_NONBLOCK = Native.O_NONBLOCK;
    private static final int EFD_CLOEXEC = Native.O_CLOEXEC;

    private static final int MAX_EVENTS = 256;
    private static final long WAKE_ID = 0;

    private final int epfd;
    private final int wakeFd;
    private final ByteBuffer events;
    private final long eventsAddress;
    private final ByteBuffer counter;
    private final long counterAddress;
    private final ConcurrentHashMap<Long, Registration> registrations = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong(WAKE_ID);
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final LoopThread thread;
    private volatile boolean running = true;

    Poller(String name) {
        LibC c = Native.libc();
        this.epfd = c.epoll_create1(EPOLL_CLOEXEC);
        if (epfd < 0) {
            throw IpcException.fromErrno("epoll_create1", name, Native.errno());
        }
        this.wakeFd = c.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (wakeFd < 0) {
            int errno = Native.errno();
            c.close(epfd);
            throw IpcException.fromErrno("eventfd", name, errno);
        }
        this.events = ByteBuffer.allocateDirect(MAX_EVENTS * Native.EPOLL_EVENT_SIZE).order(ByteOrder.nativeOrder());
        this.eventsAddress = Native.address(events);
        this.counter = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
        this.counter.putLong(0, 1);
        this.counterAddress = Native.address(counter);
        ByteBuffer wake = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
        wake.putInt(0, EPOLLIN);
        wake.putLong(Native.EPOLL_DATA_OFFSET, WAKE_ID);
        if (c.epoll_ctl(epfd, EPOLL_CTL_ADD, wakeFd, Native.address(wake)) < 0) {
            int errno = Native.errno();
            c.close(wakeFd);
            c.close(epfd);
            throw IpcException.fromErrno("epoll_ctl", name, errno);
        }
        this.thread = new LoopThread(this::run, name);
        this.thread.start();
    }

    /** Watches {@code fd}; nothing is reported until {@link Registration#arm(int)}. Any thread. */
    public Registration register(int fd, ReadyHandler handler) {
        return register(fd, handler, false);
    }

    /**
     * Watches {@code fd} edge-triggered: see {@link Registration}. For drains that go on until
     * {@code EAGAIN} before waiting. Any thread.
     */
    public Registration registerEdgeTriggered(int fd, ReadyHandler handler) {
        return register(fd, handler, true);
    }

    private Registration register(int fd, ReadyHandler handler, boolean edgeTriggered) {
        Registration r = new Registration(this, fd, ids.incrementAndGet(), handler, edgeTriggered);
        registrations.put(r.id(), r);
        return r;
    }

    /** Runs {@code task} on the loop thread, after the tasks already submitted. */
    @Override
    public void execute(Runnable task) {
        tasks.offer(task);
        if (Thread.currentThread() != thread && sleeping.compareAndSet(true, false)) {
            Native.libc().write(wakeFd, counterAddress, 8);
        }
    }

    void awaitExit() throws InterruptedException {
        thread.join();
    }

    /** Whether the caller runs on this poller's thread. */
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Guards {@link #epfd} against use after the loop closed it: the number may be reused by then. */
    private final Object epfdLock = new Object();
    private boolean epfdClosed;

    /**
     * {@code epoll_ctl} on this poller's descriptor: 0, -1 with errno set, or -2 when the loop has
     * stopped and closed it (the call is not made: the number may belong to another file now,
     * another loop's epoll descriptor even).
     */
    int ctl(int op, int fd, long event) {
        synchronized (epfdLock) {
            return epfdClosed ? -2 : Native.libc().epoll_ctl(epfd, op, fd, event);
        }
    }

    void forget(long id) {
        registrations.remove(id);
    }

    void shutdown() {
        running = false;
        execute(() -> { });
    }

    boolean isTerminated() {
        return !thread.isAlive();
    }

    private void run() {
        try {
            while (running) {
                runTasks();
                sleeping.set(true);
                // running again: a shutdown between the loop's test and runTasks() leaves no task
                // behind (this pass ran its no-op), so only the flag says not to sleep
                int n = awaitReady(tasks.isEmpty() && running ? -1 : 0);
                sleeping.set(false);
                for (int i = 0; i < n; i++) {
                    int base = i * Native.EPOLL_EVENT_SIZE;
                    int ev = events.getInt(base);
                    long id = events.getLong(base + Native.EPOLL_DATA_OFFSET);
                    if (id == WAKE_ID) {
                        resetWakeup();
                        continue;
                    }
                    Registration r = registrations.get(id);
                    if (r != null) {
                        try {
                            r.fire(ev);
                        } catch (Throwable t) {
                            LOG.error("readiness handler failed on " + thread.getName(), t);
                        }
                    }
                }
            }
            // what was submitted before the stop, and what that submits in turn, up to a bound
            for (int pass = 0; pass < 16 && !tasks.isEmpty(); pass++) {
                runTasks();
            }
        } finally {
            synchronized (epfdLock) {
                epfdClosed = true;
                Native.libc().close(wakeFd);
                Native.libc().close(epfd);
            }
        }
    }

    private final ByteBuffer drainBuf = ByteBuffer.allocateDirect(8);
    private final long drainAddress = Native.address(drainBuf);

    private void resetWakeup() {
        Native.libc().read(wakeFd, drainAddress, 8);
    }

    /** Ends a pass of {@link #runTasks()}; only the loop thread offers and meets it. */
    private static final Runnable END_OF_PASS = () -> { };

    /**
     * Runs the tasks submitted before this pass, not those they submit: a drain that resumes
     * itself through a task after its work budget (a writer that never meets EAGAIN, a producer
     * with unbounded demand) runs again only after the loop has looked at its descriptors, or it
     * would keep every other stream on this thread waiting for as long as it had work.
     */
    private void runTasks() {
        tasks.offer(END_OF_PASS);
        Runnable t;
        while ((t = tasks.poll()) != null && t != END_OF_PASS) {
            try {
                t.run();
            } catch (Throwable e) {
                LOG.error("task failed on " + thread.getName(), e);
            }
        }
    }

    /** The loop's only sleep. BlockHound allows {@link BlockingCalls#epollWait} inside this method only. */
    private int awaitReady(int timeoutMillis) {
        for (;;) {
            int n = BlockingCalls.epollWait(epfd, eventsAddress, MAX_EVENTS, timeoutMillis);
            if (n >= 0) {
                return n;
            }
            int errno = Native.errno();
            if (errno != Errno.EINTR) {
                throw IpcException.fromErrno("epoll_wait", thread.getName(), errno);
            }
        }
    }

    /** Event-loop threads are Reactor non-blocking threads. */
    static final class LoopThread extends Thread implements NonBlocking {
        LoopThread(Runnable body, String name) {
            super(body, name);
            setDaemon(true);
        }
    }
}
