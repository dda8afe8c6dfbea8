package io.interflux.internal;

import io.interflux.EventLoop;
import io.interflux.Framing;

/**
 * What transports need of the API types and users do not: the poller behind an
 * {@link EventLoop}, and the decoder and encoder behind a {@link Framing}. Not for users: it
 * may change in any release.
 *
 * <p>The API classes keep these methods package-private and hand them over here when they are
 * first loaded ({@link #install}), so the public surface of {@code io.interflux} carries no
 * internal type.
 */
public final class Spi {

    /** The internal side of {@link EventLoop}. */
    public interface Loops {
        Poller poller(EventLoop loop);
    }

    /** The internal side of {@link Framing}. */
    public interface Framings {
        FrameDecoder decoder(Framing framing, String object);

        FrameEncoder encoder(Framing framing);

        int largestBuffer(Framing framing);
    }

    private static volatile Loops loops;
    private static volatile Framings framings;

    private Spi() {
    }

    /** Called once by {@link EventLoop}'s and {@link Framing}'s static initialisers. */
    public static void install(Loops l, Framings f) {
        if (l != null) {
            if (loops != null) {
                throw new IllegalStateException("the loop SPI is installed already");
            }
            loops = l;
        }
        if (f != null) {
            if (framings != null) {
                throw new IllegalStateException("the framing SPI is installed already");
            }
            framings = f;
        }
    }

    /** The poller for a new descriptor of {@code loop}, round-robin. */
    public static Poller poller(EventLoop loop) {
        return loops.poller(loop); // loop is an instance: EventLoop is initialised
    }

    /** A fresh decoder for one stream of {@code framing}; errors name {@code object}. */
    public static FrameDecoder decoder(Framing framing, String object) {
        return framings.decoder(framing, object);
    }

    /** The encoder of {@code framing}. */
    public static FrameEncoder encoder(Framing framing) {
        return framings.encoder(framing);
    }

    /** The largest read buffer a stream of {@code framing} needs; 0 for raw chunks. */
    public static int largestBuffer(Framing framing) {
        return framings.largestBuffer(framing);
    }
}
