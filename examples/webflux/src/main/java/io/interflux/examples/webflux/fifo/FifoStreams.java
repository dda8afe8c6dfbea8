package io.interflux.examples.webflux.fifo;

import io.interflux.Codec;
import io.interflux.EventLoop;
import io.interflux.Framing;
import io.interflux.IpcException;
import io.interflux.examples.webflux.ExampleProperties;
import io.interflux.fifo.Fifo;
import io.interflux.fifo.FifoReader;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The FIFOs of the application's FIFO directory, one reader per name.
 *
 * <p>A FIFO is created (mode 0600) when a client asks for it and removed when that client's
 * reader is disposed, so the directory holds a FIFO only while someone reads it, and a client
 * cannot fill it with names. The reader is persistent: writers may come and go ({@code echo hi >
 * fifo} opens, writes and closes) without ending the stream.
 *
 * <p>One reader per name, not one per client: readers of one FIFO compete for its bytes (each
 * {@code read(2)} takes whatever is there), so two browsers would each see an arbitrary part of
 * the stream, and a line that its writer wrote in two pieces could be split between them. Giving
 * every client every line would need a buffer sized by the slowest client, or would let the
 * slowest pace all. So a second client for a name that is being read is refused with 409 Conflict.
 */
@Component
class FifoStreams {

    private final Path directory;
    private final int maxLineLength;
    private final EventLoop loop;
    private final Set<String> reading = ConcurrentHashMap.newKeySet();

    FifoStreams(ExampleProperties properties, EventLoop loop) {
        this.directory = prepare(properties.fifos().directory());
        this.maxLineLength = properties.fifos().maxLineLength();
        this.loop = loop;
    }

    /** Creates the directory (0700) if absent; refuses a path that is not a directory or is a symbolic link. */
    private static Path prepare(Path directory) {
        Path dir = directory.toAbsolutePath().normalize();
        try {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the FIFO directory " + dir, e);
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalStateException("the FIFO directory " + dir + " is not a directory (or is a symbolic link):"
                    + " set interflux.example.fifos.directory to one");
        }
        return dir;
    }

    /** The directory the FIFOs are created in. */
    Path directory() {
        return directory;
    }

    /**
     * A reader of the FIFO {@code name}, created if absent, claimed for the caller until the
     * reader is disposed. Fails with 409 Conflict when another client reads that FIFO, or when
     * the path holds something that is not a FIFO.
     */
    Mono<FifoReader<String>> open(FifoName name) {
        return Mono.defer(() -> {
            if (!reading.add(name.value())) {
                return Mono.error(new ResponseStatusException(HttpStatus.CONFLICT, "FIFO " + name
                        + " is being read by another client: one reader per FIFO, since readers would split its lines"));
            }
            AtomicBoolean handedOver = new AtomicBoolean();
            return Fifo.at(directory.resolve(name.value()))
                    .framing(Framing.lines(maxLineLength))
                    .codec(Codec.utf8())
                    .persistent(true)
                    .eventLoop(loop)
                    .openReader()
                    .doOnNext(reader -> {
                        handedOver.set(true);
                        // released once the FIFO is closed and unlinked, so that the next client for
                        // this name never pins a FIFO that this reader is about to unlink
                        reader.onDispose().subscribe(null, e -> reading.remove(name.value()),
                                () -> reading.remove(name.value()));
                    })
                    .doFinally(signal -> {
                        if (!handedOver.get()) {
                            reading.remove(name.value());
                        }
                    })
                    .onErrorMap(IpcException.class, e -> new ResponseStatusException(HttpStatus.CONFLICT,
                            "cannot read FIFO " + name + ": " + e.getMessage(), e));
        });
    }
}
