package io.interflux.it.fifo;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.fifo.Fifo;
import reactor.core.publisher.Flux;

import java.time.Duration;

/**
 * The other side of a FIFO, run in a child JVM. Modes:
 * <ul>
 *   <li>{@code write PATH ID COUNT PAD}: writes COUNT lines {@code ID:i:<PAD x's>}, then exits;</li>
 *   <li>{@code endless PATH ID PAD}: writes such lines until killed;</li>
 *   <li>{@code read PATH}: prints every line read from the FIFO to stdout until the writers are gone.</li>
 * </ul>
 */
public final class FifoPeer {

    private FifoPeer() {
    }

    public static void main(String[] args) {
        String mode = args[0];
        var spec = Fifo.at(args[1]).codec(Codec.utf8()).framing(Framing.lines(Fifo.PIPE_BUF - 1));
        Duration limit = Duration.ofSeconds(60);
        switch (mode) {
            case "write": {
                String pad = "x".repeat(Integer.parseInt(args[4]));
                spec.send(Flux.range(0, Integer.parseInt(args[3])).map(i -> args[2] + ":" + i + ":" + pad)).block(limit);
                break;
            }
            case "endless": {
                String pad = "x".repeat(Integer.parseInt(args[3]));
                spec.send(Flux.range(0, Integer.MAX_VALUE).map(i -> args[2] + ":" + i + ":" + pad)).block();
                break;
            }
            case "read":
                spec.receive().doOnNext(System.out::println).blockLast(limit);
                System.out.flush();
                break;
            default:
                throw new IllegalArgumentException("unknown mode " + mode);
        }
        System.exit(0);
    }
}
