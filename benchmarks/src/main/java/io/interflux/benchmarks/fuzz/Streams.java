package io.interflux.benchmarks.fuzz;

import java.io.ByteArrayOutputStream;
import java.util.Random;

/**
 * Byte streams a peer might send, well-formed or not, for one framing: frames of the sizes that
 * sit on its boundaries, and the debris of a broken or hostile writer between them.
 */
final class Streams {

    private Streams() {
    }

    static byte[] random(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    /** A size near the limit more often than not: 0, 1, max - 1, max, max + 1, or anything up to 2 * max. */
    static int boundarySize(Random r, int max) {
        switch (r.nextInt(7)) {
            case 0:
                return 0;
            case 1:
                return 1;
            case 2:
                return Math.max(0, max - 1);
            case 3:
                return max;
            case 4:
                return max + 1;
            default:
                return r.nextInt(2 * max + 2);
        }
    }

    /** A delimiter of one to three bytes, often one that overlaps itself ("aa", "aba"). */
    static byte[] delimiter(Random r) {
        switch (r.nextInt(4)) {
            case 0:
                return new byte[] {0};
            case 1:
                return new byte[] {'a', 'a'};
            case 2:
                return new byte[] {'a', 'b', 'a'};
            default:
                return random(r, 1 + r.nextInt(3));
        }
    }

    /** Payload bytes drawn from a small alphabet that includes the delimiter's bytes and '\r'. */
    private static byte[] payload(Random r, int n, byte[] delimiter, boolean avoidDelimiter) {
        byte[] alphabet = {'a', 'b', '\r', '\n', 0, 'x', (byte) 0xFF, delimiter[0]};
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = alphabet[r.nextInt(alphabet.length)];
        }
        if (avoidDelimiter) {
            // a well-formed frame: no delimiter inside; replace its bytes until none is left
            for (int i = 0; i <= n - delimiter.length; i++) {
                boolean hit = true;
                for (int j = 0; j < delimiter.length && hit; j++) {
                    hit = b[i + j] == delimiter[j];
                }
                if (hit) {
                    b[i] = (byte) (delimiter[0] ^ 0x55);
                }
            }
        }
        return b;
    }

    static byte[] delimited(Random r, byte[] delimiter, int max, boolean lines) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pieces = r.nextInt(12);
        for (int p = 0; p < pieces; p++) {
            switch (r.nextInt(6)) {
                case 0: // garbage, delimiters and all
                    out.writeBytes(payload(r, r.nextInt(3 * max + 3), delimiter, false));
                    break;
                case 1: // a fragment of the delimiter, then more
                    out.writeBytes(java.util.Arrays.copyOf(delimiter, r.nextInt(delimiter.length + 1)));
                    break;
                case 2: // a line ended by "\r\n", or a lone '\r' before the delimiter
                    out.writeBytes(payload(r, boundarySize(r, max), delimiter, true));
                    out.write('\r');
                    out.writeBytes(delimiter);
                    break;
                default: // a well-formed frame of a boundary size
                    byte[] frame = payload(r, boundarySize(r, max), delimiter, true);
                    if (lines && frame.length > 0 && frame[frame.length - 1] == '\r') {
                        frame[frame.length - 1] = 'r';
                    }
                    out.writeBytes(frame);
                    out.writeBytes(delimiter);
            }
        }
        if (r.nextInt(3) == 0) { // cut anywhere
            byte[] all = out.toByteArray();
            return java.util.Arrays.copyOf(all, r.nextInt(all.length + 1));
        }
        return out.toByteArray();
    }

    static byte[] lengthPrefixed(Random r, int field, int max) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pieces = r.nextInt(12);
        for (int p = 0; p < pieces; p++) {
            long length;
            switch (r.nextInt(6)) {
                case 0: // a prefix announcing more than the maximum, or the most the field holds
                    length = r.nextBoolean() ? max + 1L : (1L << (8 * field)) - 1;
                    break;
                case 1: // garbage where a prefix should be
                    out.writeBytes(random(r, r.nextInt(2 * field + 1)));
                    continue;
                default:
                    length = boundarySize(r, max);
            }
            length = Math.min(length, (1L << (8 * field)) - 1);
            for (int i = field - 1; i >= 0; i--) {
                out.write((int) (length >>> (8 * i)));
            }
            // the payload, or less of it than announced (a writer killed mid-frame)
            int payload = (int) Math.min(length, 3L * max + 3);
            out.writeBytes(random(r, r.nextInt(4) == 0 ? r.nextInt(payload + 1) : payload));
        }
        if (r.nextInt(3) == 0) {
            byte[] all = out.toByteArray();
            return java.util.Arrays.copyOf(all, r.nextInt(all.length + 1));
        }
        return out.toByteArray();
    }
}
