package io.interflux.internal.metrics;

import io.interflux.MetricsRecorder;
import reactor.core.publisher.Flux;

/**
 * Times the periods a stream had no outstanding demand, for receives that are not core's drain
 * (a socket's, which reactor-netty reads): from the moment the subscriber's demand is used up (or
 * it subscribes without any) to its next request, each reported to
 * {@link MetricsRecorder#noDemand(long)}, as core's receive reports its own; and counts the
 * messages delivered.
 */
public final class DemandClock {

    private final MetricsRecorder metrics;
    /** Guarded by this. */
    private long outstanding;
    private long since = System.nanoTime();

    private DemandClock(MetricsRecorder metrics) {
        this.metrics = metrics;
    }

    /** {@code source} reporting to {@code metrics}; {@code source} itself when metrics are off. */
    public static <T> Flux<T> watch(Flux<T> source, MetricsRecorder metrics) {
        if (metrics == Metering.NONE) {
            return source;
        }
        return Flux.defer(() -> {
            DemandClock clock = new DemandClock(metrics);
            return source.doOnNext(v -> clock.delivered()).doOnRequest(clock::requested).doFinally(s -> clock.ended());
        });
    }

    private void requested(long n) {
        long ended = 0;
        synchronized (this) {
            if (outstanding == 0 && since != 0) {
                ended = System.nanoTime() - since;
                since = 0;
            }
            outstanding = outstanding + n < 0 ? Long.MAX_VALUE : outstanding + n;
        }
        if (ended != 0) {
            metrics.noDemand(ended);
        }
    }

    private void delivered() {
        synchronized (this) {
            if (outstanding != Long.MAX_VALUE && --outstanding == 0) {
                since = System.nanoTime();
            }
        }
        metrics.messagesReceived(1);
    }

    private void ended() {
        long ended = 0;
        synchronized (this) {
            if (since != 0) {
                ended = System.nanoTime() - since;
                since = 0;
            }
        }
        if (ended != 0) {
            metrics.noDemand(ended);
        }
    }
}
