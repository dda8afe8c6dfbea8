package io.interflux.mqueue;

import io.interflux.internal.Native;
import io.interflux.mqueue.internal.QueueCalls;
import io.interflux.mqueue.internal.SystemLimits;

import java.util.concurrent.atomic.AtomicInteger;

/** Unique queue names for tests, a check that a POSIX queue is gone, and this host's queue limits. */
final class QueueNames {

    /** {@code /proc/sys/fs/mqueue/msg_max}: the most messages a POSIX queue may hold. */
    static final int MSG_MAX = (int) SystemLimits.read(SystemLimits.MQ_MSG_MAX, -1);
    /** {@code /proc/sys/fs/mqueue/msgsize_max}: the largest POSIX message. */
    static final int MSGSIZE_MAX = (int) SystemLimits.read(SystemLimits.MQ_MSGSIZE_MAX, -1);
    /** {@code /proc/sys/kernel/msgmax}: the largest System V message. */
    static final int MSGMAX = (int) SystemLimits.read(SystemLimits.MSGMAX, -1);

    /** Up to {@code wanted} messages, as many as this host allows. */
    static int messages(int wanted) {
        return Math.min(wanted, MSG_MAX);
    }

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private QueueNames() {
    }

    static String unique(String what) {
        return "/ifx-" + what + "-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
    }

    /** Whether a POSIX queue of that name exists (it can be opened read-only). */
    static boolean exists(String name) {
        int mqd = QueueCalls.lib().mq_open(name, Native.O_RDONLY | Native.O_NONBLOCK, 0, 0);
        if (mqd >= 0) {
            QueueCalls.lib().mq_close(mqd);
            return true;
        }
        return false;
    }

    /** Removes a POSIX queue if it exists: the test's safety net. */
    static void unlink(String name) {
        QueueCalls.lib().mq_unlink(name);
    }
}
