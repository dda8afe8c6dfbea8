package io.interflux.examples.webflux.jobs;

import io.interflux.Codec;
import io.interflux.EventLoop;
import io.interflux.Framing;
import io.interflux.examples.webflux.ExampleProperties;
import io.interflux.pipe.ChildProcess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.List;

/**
 * The worker child JVM ({@link JobWorker}), started with the application context and stopped
 * (killed, and reaped) when it closes. Its stdout lines go to this application's log; its stderr
 * is captured, so a worker that dies says why in the log. Its stdin stays open and silent: the
 * worker ends when it closes, so even a {@code kill -9} of this JVM ends the worker.
 *
 * <p>A worker that dies is not restarted: jobs then stay in the queue and, once it is full,
 * {@code POST /jobs} answers 503, which shows the failure instead of hiding it.
 */
@Component
class WorkerProcess implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WorkerProcess.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

    private final JobQueues queues;
    private final EventLoop loop;
    private final List<String> jvmOptions;
    private volatile ChildProcess child;
    private volatile boolean stopping;

    WorkerProcess(JobQueues queues, EventLoop loop, ExampleProperties properties) {
        this.queues = queues;
        this.loop = loop;
        this.jvmOptions = properties.jobs().workerJvmOptions();
    }

    /** Starts the worker, on the thread that starts the context (not an event loop), so it may wait for the spawn. */
    @Override
    public void start() {
        List<String> argv = WorkerCommand.of(JobWorker.class, jvmOptions,
                List.of(queues.jobs().name(), queues.results().name()));
        ChildProcess started = ChildProcess.command(argv).eventLoop(loop).startNow(START_TIMEOUT);
        stopping = false;
        child = started;
        log.info("started the job worker, pid {}", started.pid());
        started.stdout(Framing.lines(), Codec.utf8())
                .subscribe(line -> log.info("worker {}: {}", started.pid(), line),
                        e -> log.warn("reading the worker's stdout failed", e));
        started.succeeded().subscribe(null, e -> {
            if (!stopping) {
                log.error("the job worker ended; jobs will wait in {} until it is full: {}", queues.jobs().name(),
                        e.getMessage());
            }
        });
    }

    /** Kills the worker and waits until it is reaped. */
    @Override
    public void stop() {
        ChildProcess running = child;
        stopping = true;
        if (running != null) {
            running.disposeNow(START_TIMEOUT);
        }
    }

    @Override
    public boolean isRunning() {
        ChildProcess running = child;
        return running != null && !running.isDisposed();
    }

    /** The worker, for tests that pause it with {@code SIGSTOP}; {@code null} before start. */
    ChildProcess child() {
        return child;
    }
}
