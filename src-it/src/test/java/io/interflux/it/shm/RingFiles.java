package io.interflux.it.shm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The files of one named shared ring: its segment {@code /dev/shm/NAME} and its doorbells
 * {@code NAME.bell} and {@code NAME.space}, under a name no other test or run uses.
 *
 * <pre>{@code
 * RingFiles ring = RingFiles.unique("order");
 * os.onRelease("remove " + ring, ring::remove);
 * SharedRing.named(ring.name()).creation(Creation.CREATE_NEW).openNow(WAIT);
 * }</pre>
 */
final class RingFiles {

    private static final AtomicInteger NEXT = new AtomicInteger();

    private final String name;
    private final Path segment;

    private RingFiles(String name) {
        this.name = name;
        this.segment = Path.of("/dev/shm", name.substring(1));
    }

    /** A fresh name, {@code /ifx-it-<what>-<pid>-<n>}. */
    static RingFiles unique(String what) {
        return new RingFiles("/ifx-it-" + what + "-" + ProcessHandle.current().pid() + "-" + NEXT.incrementAndGet());
    }

    /** The POSIX name, {@code "/ifx-it-order-42-1"}. */
    String name() {
        return name;
    }

    /** The segment's file name in {@code /dev/shm}, as {@code ls} prints it. */
    String fileName() {
        return segment.getFileName().toString();
    }

    Path segment() {
        return segment;
    }

    Path bell() {
        return Path.of(segment + ".bell");
    }

    Path space() {
        return Path.of(segment + ".space");
    }

    /** The segment and both doorbells. */
    List<Path> all() {
        return List.of(segment(), bell(), space());
    }

    /** Those of {@link #all()} that exist (a symbolic link counts, dangling or not). */
    List<Path> left() {
        return all().stream().filter(p -> Files.exists(p, LinkOption.NOFOLLOW_LINKS)).collect(Collectors.toList());
    }

    /** Removes whatever of the ring is left; a symbolic link is removed itself, never its target. */
    void remove() throws IOException {
        for (Path p : all()) {
            Files.deleteIfExists(p);
        }
    }

    @Override
    public String toString() {
        return "ring files " + segment + "{,.bell,.space}";
    }
}
