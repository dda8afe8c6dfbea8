package io.interflux.testkit.tck;

import io.interflux.IpcResource;
import reactor.core.Disposable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;

/** What a test opened, released in the reverse order of opening, each release waited for. */
final class Opened {

    /** How long a resource may take to release after its dispose. */
    static final Duration RELEASE = Duration.ofSeconds(10);

    private final Deque<Runnable> releases = new ConcurrentLinkedDeque<>();

    <R extends Disposable> R add(R resource) {
        releases.push(() -> {
            resource.dispose();
            if (resource instanceof IpcResource) {
                ((IpcResource) resource).onDispose().block(RELEASE);
            }
        });
        return resource;
    }

    void then(Runnable release) {
        releases.push(release);
    }

    /** A fresh directory, removed after what is opened from now on (so it must be empty by then). */
    Path directory() {
        Path dir;
        try {
            dir = Files.createTempDirectory("ifx-tck");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        then(() -> {
            try {
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return dir;
    }

    /** Runs every release, even when one fails; the first failure is thrown after all ran. */
    void releaseAll() {
        RuntimeException failure = null;
        Runnable r;
        while ((r = releases.poll()) != null) {
            try {
                r.run();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
