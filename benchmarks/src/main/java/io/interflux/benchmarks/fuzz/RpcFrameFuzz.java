package io.interflux.benchmarks.fuzz;

import io.interflux.rpc.internal.Frame;
import io.interflux.rpc.internal.Frames;
import io.interflux.rpc.internal.RoutingMetadata;

import java.util.Arrays;
import java.util.Random;

/**
 * Feeds the RPC frame decoder ({@link Frame#parse(byte[])}, what a connection runs on every
 * frame a peer sends) and the routing-metadata reader with frames built by the encoder and then,
 * mostly, broken: cut short, bytes flipped, the type and flags rewritten, metadata lengths past
 * the end, pure noise. A frame either parses or is refused with {@code MalformedFrameException}
 * (the connection's protocol error); a route either reads or is refused with
 * {@link IllegalArgumentException}. An intact frame must parse back to the fields it was built
 * from. Anything else is a failure.
 */
public final class RpcFrameFuzz {

    private RpcFrameFuzz() {
    }

    public static FuzzReport run(long seed, long first, long count) {
        FuzzReport report = new FuzzReport("rpc");
        for (long i = first; i < first + count; i++) {
            Random r = new Random(seed * 1_000_003L + i);
            Built built = build(r);
            boolean intact = r.nextInt(4) == 0;
            byte[] bytes = intact ? built.bytes : mutate(r, built.bytes);
            String end;
            Frame f;
            try {
                f = Frame.parse(bytes);
                end = "parsed";
            } catch (Frame.MalformedFrameException e) {
                report.count(0, "MalformedFrameException");
                if (intact) {
                    report.fail(seed, i, "an intact " + built + " was refused: " + e.getMessage());
                }
                continue;
            } catch (RuntimeException e) {
                report.count(0, "undocumented");
                report.fail(seed, i, built + " mutated to " + FuzzReport.printable(bytes) + " threw " + e);
                continue;
            }
            if (intact && !built.matches(f)) {
                report.fail(seed, i, "an intact " + built + " parsed to stream " + f.streamId + ", type "
                        + f.type + ", flags " + f.flags + ", n " + f.n);
            }
            if (f.metadata != null) {
                for (String mime : new String[] {RoutingMetadata.COMPOSITE, RoutingMetadata.ROUTING}) {
                    try {
                        RoutingMetadata.route(mime, f.metadata);
                    } catch (IllegalArgumentException expected) {
                        end = "parsed, route refused";
                    } catch (RuntimeException e) {
                        report.fail(seed, i, "the route of " + FuzzReport.printable(f.metadata) + " as " + mime + " threw " + e);
                    }
                }
            }
            report.count(1, end);
        }
        return report;
    }

    /** A frame as the encoder writes it, and what it holds. */
    private static final class Built {
        final String what;
        final byte[] bytes;
        final int streamId;
        final int type;
        final int n;
        final byte[] metadata;
        final byte[] data;

        Built(String what, byte[] bytes, int streamId, int type, int n, byte[] metadata, byte[] data) {
            this.what = what;
            this.bytes = bytes;
            this.streamId = streamId;
            this.type = type;
            this.n = n;
            this.metadata = metadata;
            this.data = data;
        }

        boolean matches(Frame f) {
            return f.streamId == streamId && f.type == type && f.n == n
                    && Arrays.equals(f.metadata, metadata) && (data == null || Arrays.equals(f.data, data));
        }

        @Override
        public String toString() {
            return what + " frame " + FuzzReport.printable(bytes);
        }
    }

    private static Built build(Random r) {
        int stream = r.nextInt(8) == 0 ? r.nextInt() & 0x7FFF_FFFF : 1 + r.nextInt(64);
        byte[] metadata = r.nextBoolean() ? null : metadata(r);
        byte[] data = Streams.random(r, r.nextInt(4) == 0 ? 0 : r.nextInt(64));
        int n = r.nextInt(5) == 0 ? r.nextInt() : 1 + r.nextInt(1000);
        switch (r.nextInt(9)) {
            case 0:
                return new Built("SETUP", Frames.setup(1 + r.nextInt(60_000), 1 + r.nextInt(60_000),
                        RoutingMetadata.COMPOSITE, "application/json", metadata, data), 0, Frames.SETUP, 0, metadata, data);
            case 1:
                return new Built("KEEPALIVE", Frames.keepAlive(r.nextBoolean(), data), 0, Frames.KEEPALIVE, 0, null, data);
            case 2:
                return new Built("REQUEST_RESPONSE", Frames.request(stream, Frames.REQUEST_RESPONSE, metadata, data),
                        stream, Frames.REQUEST_RESPONSE, 0, metadata, data);
            case 3:
                return new Built("REQUEST_STREAM", Frames.request(stream, Frames.REQUEST_STREAM, n, false, metadata, data),
                        stream, Frames.REQUEST_STREAM, n, metadata, data);
            case 4:
                return new Built("REQUEST_CHANNEL", Frames.request(stream, Frames.REQUEST_CHANNEL, n, r.nextBoolean(), metadata, data),
                        stream, Frames.REQUEST_CHANNEL, n, metadata, data);
            case 5:
                return new Built("REQUEST_N", Frames.requestN(stream, n), stream, Frames.REQUEST_N, n, null, null);
            case 6:
                return new Built("CANCEL", Frames.cancel(stream), stream, Frames.CANCEL, 0, null, null);
            case 7:
                return new Built("PAYLOAD", Frames.next(stream, metadata, data, r.nextBoolean()), stream, Frames.PAYLOAD, 0,
                        metadata, data);
            default:
                String message = new String(Streams.random(r, r.nextInt(32)), java.nio.charset.StandardCharsets.ISO_8859_1);
                return new Built("ERROR", Frames.error(stream, n, message), stream, Frames.ERROR, n, null, null);
        }
    }

    /** Routing metadata, composite or not, well-formed or not. */
    private static byte[] metadata(Random r) {
        switch (r.nextInt(4)) {
            case 0:
                return RoutingMetadata.composite("route." + r.nextInt(100), r.nextBoolean() ? null : Streams.random(r, r.nextInt(16)));
            case 1:
                return new byte[0];
            default:
                return Streams.random(r, r.nextInt(40));
        }
    }

    private static byte[] mutate(Random r, byte[] frame) {
        byte[] b = frame.clone();
        switch (r.nextInt(6)) {
            case 0: // cut short anywhere, the header included
                return Arrays.copyOf(b, r.nextInt(b.length + 1));
            case 1: // a few bytes flipped
                for (int k = 1 + r.nextInt(4); k > 0 && b.length > 0; k--) {
                    b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
                }
                return b;
            case 2: // another type and flags on the same body
                if (b.length >= 6) {
                    int typeAndFlags = r.nextInt(1 << 16);
                    b[4] = (byte) (typeAndFlags >>> 8);
                    b[5] = (byte) typeAndFlags;
                }
                return b;
            case 3: // the metadata flag set, and a metadata length of any size after the fields
                if (b.length >= 6) {
                    b[4] |= 0x01;
                    for (int k = 6; k < Math.min(b.length, 6 + 16); k++) {
                        if (r.nextInt(4) == 0) {
                            b[k] = (byte) 0xFF;
                        }
                    }
                }
                return b;
            case 4: // pure noise
                return Streams.random(r, r.nextInt(64));
            default: // bytes appended
                byte[] more = Streams.random(r, 1 + r.nextInt(16));
                byte[] c = Arrays.copyOf(b, b.length + more.length);
                System.arraycopy(more, 0, c, b.length, more.length);
                return c;
        }
    }
}
