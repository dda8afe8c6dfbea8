package io.interflux.testkit;

import io.interflux.internal.Spi;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The file descriptors this JVM holds, read from {@code /proc/self/fd}, for tests that prove a
 * resource released what it opened.
 *
 * <p>Release is often asynchronous (an event loop closes a descriptor after its last readiness, a
 * child's pidfd is closed once the child is reaped), so the waiting methods poll, within a bound,
 * instead of asserting once:
 *
 * <pre>{@code
 * Spi.poller(EventLoop.shared());                       // the loop's own descriptors exist before we count
 * Map<Integer, String> before = OpenDescriptors.snapshot();
 * try (var loopback = transport.open(1024)) { ... }
 * OpenDescriptors.assertReleased(before, Duration.ofSeconds(10));
 * }</pre>
 *
 * <p>The waits park the calling thread between polls: call them from a test thread, never from an
 * event-loop or Reactor non-blocking thread. Linux only ({@link #isSupported()}).
 */
public final class OpenDescriptors {

    private static final Path FD_DIR = Path.of("/proc/self/fd");
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private OpenDescriptors() {
    }

    /** Whether this platform exposes {@code /proc/self/fd}. */
    public static boolean isSupported() {
        return Files.isDirectory(FD_DIR);
    }

    /** How many descriptors this JVM holds right now. */
    public static int count() {
        return snapshot().size();
    }

    /**
     * Every descriptor this JVM holds right now, by number, with what it refers to
     * ({@code "pipe:[123]"}, {@code "/tmp/x.fifo"}, {@code "anon_inode:[eventpoll]"}). The
     * descriptor used to list the directory is not included.
     */
    public static SortedMap<Integer, String> snapshot() {
        List<Path> entries;
        try (Stream<Path> list = Files.list(FD_DIR)) {
            entries = list.collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + FD_DIR, e);
        }
        // the listing's own descriptor is closed now, so reading its link fails and it drops out
        SortedMap<Integer, String> fds = new TreeMap<>();
        for (Path entry : entries) {
            try {
                fds.put(Integer.parseInt(entry.getFileName().toString()), Files.readSymbolicLink(entry).toString());
            } catch (NoSuchFileException closedMeanwhile) {
                // not open any more
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + entry, e);
            }
        }
        return fds;
    }

    /** How many descriptors of this JVM refer to {@code path} or to something below it. */
    public static long pointingAt(Path path) {
        String prefix = path.toString();
        return snapshot().values().stream().filter(target -> target.startsWith(prefix)).count();
    }

    /**
     * Polls until this JVM holds at most {@code limit} descriptors or {@code within} has passed.
     *
     * @return the last count seen: at most {@code limit} unless time ran out
     */
    public static int awaitAtMost(int limit, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        int now = count();
        while (now > limit && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(POLL_NANOS);
            now = count();
        }
        return now;
    }

    /**
     * The descriptors open now that were not open at {@code before}: a number not open then, or
     * one that now refers to something else ({@code pipe:[123]} became {@code pipe:[456]}).
     */
    public static SortedMap<Integer, String> openedSince(Map<Integer, String> before) {
        SortedMap<Integer, String> opened = snapshot();
        opened.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())));
        return opened;
    }

    /**
     * Waits, at most {@code within}, until every descriptor opened since {@code before} is closed
     * again; otherwise fails with an {@link AssertionError} that lists them, so a leak names
     * itself. Descriptors are compared by number and target, not counted, so one that an earlier
     * test releases late cannot hide one that leaks now.
     */
    public static void assertReleased(Map<Integer, String> before, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        SortedMap<Integer, String> opened = openedSince(before);
        while (!opened.isEmpty() && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(POLL_NANOS);
            opened = openedSince(before);
        }
        if (!opened.isEmpty()) {
            throw new AssertionError("descriptors still open " + within + " after release: " + opened);
        }
    }
}
