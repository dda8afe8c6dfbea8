package io.interflux.examples.webflux.jobs;

import io.interflux.Access;
import io.interflux.Creation;
import io.interflux.EventLoop;
import io.interflux.examples.webflux.ExampleProperties;
import io.interflux.mqueue.PosixQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The two POSIX queues between the application and its worker: jobs go to the worker, results
 * come back. Both are created afresh with names of this instance only
 * ({@code /interflux-webflux-<pid>-<n>-jobs}), since several instances (and several test contexts
 * in one JVM) may run at once, and both are removed when the application context closes.
 *
 * <p>The results queue is a work queue like the jobs queue: each result goes to one
 * {@code GET /jobs/results} stream. While none is open, results wait in the queue; once it is
 * full the worker waits for room, takes no more jobs, and the jobs queue fills.
 */
@Component
class JobQueues implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(JobQueues.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(10);

    private final PosixQueue jobs;
    private final PosixQueue results;

    JobQueues(ExampleProperties properties, EventLoop loop) {
        ExampleProperties.Jobs p = properties.jobs();
        QueueLimits limits = QueueLimits.ofSystem().capped(p.maxMessages(), p.maxMessageSize());
        String prefix = "/interflux-webflux-" + ProcessHandle.current().pid() + "-" + INSTANCES.incrementAndGet();
        // opened when the context starts, on the thread that starts it: blocking is allowed there
        this.jobs = PosixQueue.named(prefix + "-jobs").creation(Creation.CREATE_NEW)
                .maxMessages(limits.maxMessages()).maxMessageSize(limits.maxMessageSize())
                .access(Access.SEND).eventLoop(loop).openNow(OPEN_TIMEOUT);
        try {
            this.results = PosixQueue.named(prefix + "-results").creation(Creation.CREATE_NEW)
                    .maxMessages(limits.maxMessages()).maxMessageSize(limits.maxMessageSize())
                    .access(Access.RECEIVE).eventLoop(loop).openNow(OPEN_TIMEOUT);
        } catch (RuntimeException e) {
            jobs.disposeNow(OPEN_TIMEOUT);
            throw e;
        }
        log.info("jobs go through {} and results through {}: {} messages of at most {} bytes each",
                jobs.name(), results.name(), jobs.maxMessages(), jobs.maxMessageSize());
    }

    /** The queue jobs are sent to, opened send-only. */
    PosixQueue jobs() {
        return jobs;
    }

    /** The queue results are received from, opened receive-only. */
    PosixQueue results() {
        return results;
    }

    /** Closes and removes both queues; open results streams complete. */
    @Override
    public void destroy() {
        jobs.dispose();
        results.dispose();
        jobs.onDispose().then(results.onDispose()).block(OPEN_TIMEOUT);
    }
}
