package io.interflux.it.shm;

import io.interflux.it.support.CProgram;
import io.interflux.shm.RingMessage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A producer on a shared ring written in C ({@code ring_producer.c} next to this class) from
 * {@link io.interflux.shm.RingDescriptor}'s description and Agrona's claim algorithm, sharing no code
 * with Interflux: what the Java side receives from it shows that the layout is described well
 * enough for another language, and that Interflux keeps to it.
 *
 * <pre>
 * ring_producer produce NAME COUNT BURST      records 0..COUNT-1; BURST &gt; 0: each burst waits
 *                                            for the consumer to sleep first
 * ring_producer hang NAME reserved|header     claims a record (type 7, 100 bytes 0x5a), never
 *                                            commits it, pauses until killed
 * ring_producer hang NAME none                claims only a producer slot, pauses until killed
 * ring_producer hang NAME stall               claims a record as "header", commits it once a line
 *                                            arrives on stdin, detaches and exits
 * </pre>
 */
final class CRingProducer {

    private CRingProducer() {
    }

    /** Compiles the program into {@code dir}; skips the calling test where gcc is missing. */
    static Path compile(Path dir) throws IOException {
        return CProgram.compile(dir, "ring_producer", source());
    }

    static String source() throws IOException {
        try (InputStream in = CRingProducer.class.getResourceAsStream("ring_producer.c")) {
            if (in == null) {
                throw new IllegalStateException("ring_producer.c is missing from the test classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The type the program gives record {@code i}: 1 to 5. */
    static int typeOf(int i) {
        return 1 + i % 5;
    }

    /** The payload the program writes as record {@code i}: 4 to 184 bytes. */
    static byte[] payloadOf(int i) {
        int n = 4 + (int) ((i * 7L) % 181);
        byte[] payload = new byte[n];
        ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).putInt(0, i);
        for (int j = 4; j < n; j++) {
            payload[j] = (byte) (i * 31 + j);
        }
        return payload;
    }

    /** Record {@code i} as the program writes it. */
    static RingMessage recordOf(int i) {
        return RingMessage.of(payloadOf(i), typeOf(i));
    }

    /** The record {@code hang} leaves unfinished, as {@code stall} commits it. */
    static RingMessage unfinishedRecord() {
        byte[] payload = new byte[100];
        Arrays.fill(payload, (byte) 0x5a);
        return RingMessage.of(payload, 7);
    }

    /** The ring bytes records {@code 0 .. count-1} take, headers and alignment included, padding not. */
    static long bytesOf(int count) {
        long bytes = 0;
        for (int i = 0; i < count; i++) {
            bytes += (8 + payloadOf(i).length + 7) & ~7;
        }
        return bytes;
    }
}
