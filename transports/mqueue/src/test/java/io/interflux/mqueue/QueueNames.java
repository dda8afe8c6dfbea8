package io.interflux.mqueue;

import io.interflux.internal.Native;
import io.interflux.mqueue.internal.QueueCalls;

import java.util.concurrent.atomic.AtomicInteger;

/** Unique queue names for tests, and a check that a POSIX queue is gone. */
final class QueueNames {

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
