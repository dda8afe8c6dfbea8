package io.interflux.fifo;

import io.interflux.Codec;
import reactor.core.publisher.Flux;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The child of {@link FifoMetricsTest}: asks for metrics, or uses a FIFO without them. A class of
 * its own, which names no Micrometer type, so that loading it loads none.
 */
public final class MetricsPeer {

    private static final Duration LIMIT = Duration.ofSeconds(10);

    public static void main(String[] args) {
        Path path = Path.of(args[1]);
        if (args[0].equals("ask")) {
            try {
                Fifo.at(path).metrics(true);
                System.out.println("metrics were turned on");
            } catch (IllegalStateException e) {
                System.out.println("refused: " + e.getMessage());
            }
            return;
        }
        FifoSpec<String> spec = Fifo.at(path).codec(Codec.utf8());
        FifoReader<String> reader = spec.openReader().block(LIMIT);
        FifoWriter<String> writer = spec.openWriter().block(LIMIT);
        writer.send(Flux.just("a", "b", "c")).block(LIMIT);
        writer.dispose();
        Long n = reader.receive().count().block(LIMIT);
        reader.dispose();
        System.out.println("received " + n + " lines");
        System.exit(0);
    }
}
