package io.interflux.benchmarks.kill;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What of the operating system this JVM holds that a kill could leak, read from {@code /proc}: its
 * pipe, socket, pidfd, shared-memory, queue and FIFO descriptors; its mappings of shared-memory
 * segments; its live child processes; and the named objects of the campaign ({@code /dev/shm}
 * and {@code /dev/mqueue} entries under the campaign's prefix, files in its directory). Named
 * objects are only the campaign's own, so that other processes of the machine creating theirs
 * meanwhile are never taken for a leak; System V objects, which carry no name, are checked by the
 * ids a kill reports ({@link #leftSince}).
 */
final class OsState {

    private static final Path FD = Path.of("/proc/self/fd");
    /** Files of the campaign's directory that are its own tools, not a kill's objects. */
    private static final List<String> TOOLS = List.of("victim.py");

    private final Map<String, Set<String>> kinds;

    private OsState(Map<String, Set<String>> kinds) {
        this.kinds = kinds;
    }

    /** Now, for the campaign whose named objects start with {@code prefix} (no slash) and live in {@code dir}. */
    static OsState take(String prefix, Path dir) {
        Map<String, Set<String>> k = new LinkedHashMap<>();
        k.put("descriptors", descriptors(dir));
        k.put("mappings", mappings(dir));
        k.put("child processes", ProcessHandle.current().children().filter(ProcessHandle::isAlive)
                .map(p -> p.pid() + " " + p.info().command().orElse("?")).collect(Collectors.toCollection(TreeSet::new)));
        Set<String> names = new TreeSet<>();
        names.addAll(entries(Path.of("/dev/shm"), prefix));
        names.addAll(entries(Path.of("/dev/mqueue"), prefix));
        names.addAll(files(dir));
        k.put("named objects", names);
        return new OsState(k);
    }

    /**
     * What is there now and was not at {@code before}, plus the System V {@code sysvIds} still there
     * ({@code "msg 42"}, {@code "sem 7"}) and the {@code gonePids} still alive, once {@code grace} has
     * passed without all of it going; empty when nothing is left.
     */
    static Map<String, Set<String>> leftSince(OsState before, String prefix, Path dir, Collection<String> sysvIds,
                                              Collection<Long> gonePids, java.time.Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        for (;;) {
            Map<String, Set<String>> left = added(before, take(prefix, dir));
            Set<String> sysv = sysvIds.stream().filter(OsState::sysvExists).collect(Collectors.toCollection(TreeSet::new));
            if (!sysv.isEmpty()) {
                left.put("System V objects", sysv);
            }
            Set<String> alive = gonePids.stream().filter(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false))
                    .map(p -> "pid " + p).collect(Collectors.toCollection(TreeSet::new));
            if (!alive.isEmpty()) {
                left.put("victims still alive", alive);
            }
            if (left.isEmpty() || System.nanoTime() - deadline > 0) {
                return left;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    private static Map<String, Set<String>> added(OsState before, OsState now) {
        Map<String, Set<String>> added = new LinkedHashMap<>();
        now.kinds.forEach((kind, items) -> {
            Set<String> fresh = new TreeSet<>(items);
            fresh.removeAll(before.kinds.get(kind));
            if (!fresh.isEmpty()) {
                added.put(kind, fresh);
            }
        });
        return added;
    }

    /** Pipes, sockets, pidfds, shared memory, queues, FIFOs and the campaign's files, as {@code "fd -> target"}. */
    private static Set<String> descriptors(Path dir) {
        Set<String> open = new TreeSet<>();
        try (Stream<Path> fds = Files.list(FD)) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue; // closed while listed (the listing's own descriptor among them)
                }
                if (target.startsWith("pipe:") || target.startsWith("socket:") || target.equals("anon_inode:[pidfd]")
                        || target.startsWith("/dev/shm/") || target.startsWith("/dev/mqueue/")
                        || target.startsWith(dir.toString()) || isFifo(target)) {
                    open.add(fd.getFileName() + " -> " + target);
                }
            }
        } catch (IOException e) {
            // no /proc: nothing to compare
        }
        return open;
    }

    private static boolean isFifo(String target) {
        if (!target.startsWith("/")) {
            return false;
        }
        try {
            return Files.readAttributes(Path.of(target), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The shared-memory segments and campaign files this JVM maps, one line per file. */
    private static Set<String> mappings(Path dir) {
        Set<String> mapped = new TreeSet<>();
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
            lines.map(l -> {
                int slash = l.indexOf('/');
                return slash < 0 ? "" : l.substring(slash);
            }).filter(p -> p.startsWith("/dev/shm/") || p.startsWith(dir.toString())).forEach(mapped::add);
        } catch (IOException e) {
            // no /proc
        }
        return mapped;
    }

    private static Set<String> entries(Path dir, String prefix) {
        try (Stream<Path> all = Files.list(dir)) {
            return all.map(p -> p.toString()).filter(p -> p.substring(dir.toString().length() + 1).startsWith(prefix))
                    .collect(Collectors.toCollection(TreeSet::new));
        } catch (IOException e) {
            return new TreeSet<>(); // no such mechanism here
        }
    }

    /** The campaign directory's files and directories, but its tools, victims' logs and scratch segments. */
    private static Set<String> files(Path dir) {
        try (Stream<Path> all = Files.walk(dir, 3)) {
            return all.filter(p -> !p.equals(dir)).filter(p -> {
                String name = p.getFileName().toString();
                return !TOOLS.contains(name) && !name.endsWith(".log") && !name.startsWith("warm-");
            }).map(Path::toString).collect(Collectors.toCollection(TreeSet::new));
        } catch (IOException | RuntimeException e) {
            return new TreeSet<>(); // a file that went while we walked: take what was seen
        }
    }

    /** Whether the System V object {@code "msg ID"} or {@code "sem ID"} exists. */
    static boolean sysvExists(String kindAndId) {
        String[] k = kindAndId.split(" ");
        try (Stream<String> lines = Files.lines(Path.of("/proc/sysvipc", k[0]))) {
            return lines.skip(1).map(l -> l.trim().split("\\s+")).anyMatch(f -> f.length > 1 && f[1].equals(k[1]));
        } catch (IOException e) {
            return false;
        }
    }
}
