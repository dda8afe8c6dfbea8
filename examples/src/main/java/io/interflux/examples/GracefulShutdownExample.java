package io.interflux.examples;

import io.interflux.Codec;
import io.interflux.UnixSignal;
import io.interflux.fifo.Fifo;
import io.interflux.fifo.FifoReader;
import io.interflux.Creation;
import io.interflux.mqueue.PosixQueue;
import io.interflux.signal.Signals;
import reactor.core.publisher.Mono;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A small daemon that forwards the lines written into a FIFO to a POSIX message queue, and shuts
 * down cleanly on SIGTERM or Ctrl-C: the pipeline stops, the FIFO file and the queue are removed,
 * and {@code main} returns, so the process exits with status 0.
 *
 * <pre>{@code
 * java -cp examples/target/interflux-tour.jar io.interflux.examples.GracefulShutdownExample /tmp/demo
 * echo hello > /tmp/demo/inbox        # forwarded to the queue /interflux-shutdown-<pid>
 * kill -TERM <pid>                      # "closed", exit 0, no /tmp/demo/inbox, no queue
 * }</pre>
 *
 * <p>Arguments: the directory of the FIFO (default: a new temporary directory) and the queue
 * name (default {@code /interflux-shutdown-<pid>}). It prints {@code ready <fifo> <queue>} once
 * it listens for SIGTERM, {@code forwarded <line>} per line, then {@code shutdown on <signal>}
 * and {@code closed <fifo> <queue>}.
 */
public final class GracefulShutdownExample {

    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(10);

    private GracefulShutdownExample() {
    }

    /**
     * Runs the daemon until SIGTERM or SIGINT.
     *
     * @param args optional: the FIFO's directory, then the queue name
     */
    public static void main(String[] args) {
        Path dir = args.length > 0 ? Path.of(args[0]) : createTempDirectory();
        String queueName = args.length > 1 ? args[1] : "/interflux-shutdown-" + ProcessHandle.current().pid();
        Path fifoPath = dir.resolve("inbox");

        // Subscribed now and cached: a SIGTERM that arrives while the resources are still being
        // opened is remembered, and stops the pipeline as soon as it starts.
        Mono<UnixSignal> shutdown = Signals.shutdown().cache();
        shutdown.subscribe();

        FifoReader<String> inbox = Fifo.at(fifoPath).codec(Codec.utf8())
                .persistent(true)          // writers may come and go
                .removeOnDispose(true)     // the FIFO file goes with the reader
                .openReader().block(OPEN_TIMEOUT);
        PosixQueue outbox = PosixQueue.named(queueName)
                .creation(Creation.CREATE_NEW)
                .removeOnDispose(true)     // the queue goes with this process's descriptor
                .open().block(OPEN_TIMEOUT);

        say("ready " + fifoPath + " " + queueName);
        outbox.send(inbox.receive()
                                .doOnNext(line -> say("forwarded " + line))
                                .takeUntilOther(shutdown.doOnNext(s -> say("shutdown on " + s))),
                        Codec.utf8())
                // whatever ended the pipeline, release what it used before main returns
                .onErrorResume(e -> {
                    say("pipeline failed: " + e);
                    return Mono.empty();
                })
                .then(Mono.fromRunnable(() -> {
                    inbox.dispose();
                    outbox.dispose();
                }))
                .then(Mono.when(inbox.onDispose(), outbox.onDispose()))
                .block();
        say("closed " + fifoPath + " " + queueName);
        // main returns: Interflux's threads are daemons, and the JVM exits with status 0
    }

    private static Path createTempDirectory() {
        try {
            return Files.createTempDirectory("interflux-shutdown");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
