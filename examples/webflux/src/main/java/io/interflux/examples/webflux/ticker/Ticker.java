package io.interflux.examples.webflux.ticker;

import io.interflux.Codec;
import io.interflux.EventLoop;
import io.interflux.Framing;
import io.interflux.examples.webflux.ExampleProperties;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.ChildProcessSpec;
import io.interflux.pipe.Stdio;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed child process per client: a shell loop that prints the load average, with its own pid,
 * every period. The command is fixed at startup and takes nothing from the request: HTTP never
 * reaches a shell.
 *
 * <p>One child per subscriber, started on subscribe and killed when the subscription ends (the
 * client went away, or the stream failed), so nothing runs for nobody and one client's slowness
 * is its child's alone: a ticker whose client does not read blocks in {@code write(2)} once its
 * pipe is full. At most {@code interflux.example.ticker.max-clients} run at once; one more is
 * refused with 503, so clients cannot make the server fork without limit.
 */
@Component
class Ticker {

    /** {@code $1} is the period in seconds; {@code $$} the shell's pid, which is the child's. */
    static final String SCRIPT = "n=0; while :; do n=$((n+1)); read a b c rest < /proc/loadavg;"
            + " echo \"tick $n pid $$ load $a $b $c\"; sleep \"$1\"; done";

    private final ChildProcessSpec spec;
    private final int maxClients;
    private final AtomicInteger running = new AtomicInteger();

    Ticker(ExampleProperties properties, EventLoop loop) {
        String seconds = String.format(Locale.ROOT, "%.3f", properties.ticker().period().toMillis() / 1000.0);
        this.spec = ChildProcess.command("sh", "-c", SCRIPT, "ticker", seconds)
                .stdin(Stdio.discard())
                .eventLoop(loop);
        this.maxClients = properties.ticker().maxClients();
    }

    /** The child's lines; subscribing starts a child, cancelling kills it. */
    Flux<String> ticks() {
        return Flux.defer(() -> {
            if (running.incrementAndGet() > maxClients) {
                running.decrementAndGet();
                return Flux.error(new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE,
                        maxClients + " tickers run already, the most this server starts"));
            }
            return Flux.usingWhen(spec.start(), child -> child.stdout(Framing.lines(1024), Codec.utf8()),
                            Ticker::stop, (child, error) -> stop(child), Ticker::stop)
                    .doFinally(signal -> running.decrementAndGet());
        });
    }

    /** Kills the child (if still running) and closes its pipes; completes once it is reaped. */
    private static Mono<Void> stop(ChildProcess child) {
        return Mono.defer(() -> {
            child.dispose();
            return child.onDispose();
        });
    }
}
