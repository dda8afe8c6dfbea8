package io.interflux.fifo;


import java.nio.file.Path;

/**
 * Named pipes (FIFOs): unrelated processes meet at a path in the file system.
 *
 * <pre>{@code
 * // the reader side of: mkfifo /run/app/inbox; echo "Hello IPC" > /run/app/inbox
 * Fifo.at(Path.of("/run/app/inbox"))
 *     .codec(Codec.utf8())
 *     .receive()
 *     .subscribe(System.out::println);
 *
 * // the writer side of: cat /run/app/inbox
 * Fifo.at(Path.of("/run/app/inbox"))
 *     .codec(Codec.utf8())
 *     .send(Flux.just("Hello IPC"))
 *     .block();
 * }</pre>
 *
 * @see FifoSpec
 */
public final class Fifo {

    /** Bytes a {@code write(2)} to a FIFO carries atomically; frames on a shared FIFO are at most this large, framing included. */
    public static final int PIPE_BUF = 4096;

    private Fifo() {
    }

    /**
     * A spec for the FIFO at {@code path} with the defaults: mode {@code 0600}, created if absent,
     * not unlinked on dispose, {@link io.interflux.Framing#lines()}, {@link io.interflux.Codec#bytes()},
     * readers complete when the last writer leaves, writers wait for a reader and share the FIFO.
     *
     * @throws IllegalArgumentException when the path holds a {@code ..} element
     */
    public static FifoSpec<byte[]> at(Path path) {
        return FifoSpec.of(FifoFile.validate(path));
    }

    /** {@link #at(Path)} for a path given as text. */
    public static FifoSpec<byte[]> at(String path) {
        return at(Path.of(path));
    }
}
