package io.interflux.fifo;

/** Small helpers the FIFO tests share. */
final class FifoTestSupport {

    private FifoTestSupport() {
    }

    static byte[] line(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
