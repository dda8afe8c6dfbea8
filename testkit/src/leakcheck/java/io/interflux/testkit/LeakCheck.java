package io.interflux.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Collections;
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
 * A JUnit 5 extension that fails a test class which leaves operating-system objects behind: open
 * pipes and sockets, FIFO files in the temporary directory, POSIX queues ({@code /dev/mqueue}),
 * shared-memory files ({@code /dev/shm}), System V queues, semaphore sets and segments, and
 * child processes still running. It takes a snapshot before the class's first test and compares
 * after its last one, waiting up to {@value #GRACE_SECONDS} s for releases that finish
 * asynchronously (an {@code onDispose()} not awaited, a child being reaped); whatever is still
 * new then fails the class with a list of it.
 *
 * <pre>{@code
 * @ExtendWith(LeakCheck.class)
 * class MyFifoTest { ... }
 * }</pre>
 *
 * or for every test class at once, with JUnit's extension auto-detection (the testkit jar
 * registers this extension as a service): {@code junit.jupiter.extensions.autodetection.enabled=true}
 * in {@code junit-platform.properties}, or surefire's {@code configurationParameters}.
 *
 * <p>Only objects that this JVM created during the class count: descriptors opened before it,
 * the JVM's own (jars, event-loop epoll and eventfd descriptors, which live as long as their
 * loop), and other users' named objects are left out. It reads {@code /proc}; elsewhere it does
 * nothing.
 */
public final class LeakCheck implements BeforeAllCallback, AfterAllCallback {

    /** How long releases may take to finish after the last test. */
    public static final int GRACE_SECONDS = 10;

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LeakCheck.class);
    private static final Path PROC_FD = Path.of("/proc/self/fd");

    static {
        // the JDK opens descriptors of its own for good on first use of NIO (a Unix socket with the
        // first pipe or selector): opened here, before any snapshot, they are not a class's leak
        try {
            java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();
            pipe.source().close();
            pipe.sink().close();
            java.nio.channels.Selector.open().close();
        } catch (IOException e) {
            // no NIO pipes here: nothing of the kind to pre-open
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (Files.isDirectory(PROC_FD)) {
            context.getStore(NS).put(context.getRequiredTestClass(), snapshot());
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        @SuppressWarnings("unchecked")
        Map<String, Set<String>> before = context.getStore(NS).remove(context.getRequiredTestClass(), Map.class);
        if (before != null) {
            assertNothingLeftSince(before, context.getRequiredTestClass().getName());
        }
    }

    /**
     * The same check outside JUnit 5 (a TestNG class, a {@code main}): fails with an
     * {@link AssertionError} that lists what is in this JVM now and was not in {@code before} (a
     * {@link #snapshot()}), once it is still there {@value #GRACE_SECONDS} s later.
     *
     * <pre>{@code
     * @BeforeClass void before() { snapshot = LeakCheck.snapshot(); }
     * @AfterClass(alwaysRun = true) void after() { LeakCheck.assertNothingLeftSince(snapshot, "MyTest"); }
     * }</pre>
     *
     * @param owner what left the objects behind, for the message: a test class's name
     */
    public static void assertNothingLeftSince(Map<String, Set<String>> before, String owner) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GRACE_SECONDS);
        Map<String, Set<String>> left;
        while (true) {
            left = added(before, snapshot());
            if (left.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                break;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        StringBuilder sb = new StringBuilder(owner)
                .append(" left operating-system objects behind (still there ").append(GRACE_SECONDS)
                .append(" s after its last test):");
        left.forEach((kind, items) -> sb.append("\n  ").append(kind).append(": ").append(String.join(", ", items)));
        throw new AssertionError(sb.toString());
    }

    /** What is in {@code now} and was not in {@code before}, by kind; empty when nothing was left. */
    static Map<String, Set<String>> leftSince(Map<String, Set<String>> before) {
        return added(before, snapshot());
    }

    /**
     * What this JVM holds now, by kind ({@code "descriptors"}, {@code "POSIX queues"}, ...): the
     * baseline for {@link #assertNothingLeftSince(Map, String)}. Empty kinds where there is no
     * {@code /proc}.
     */
    public static Map<String, Set<String>> snapshot() {
        Map<String, Set<String>> s = new LinkedHashMap<>();
        s.put("descriptors", descriptors());
        s.put("FIFO files", fifos(Path.of(System.getProperty("java.io.tmpdir"))));
        s.put("POSIX queues", names(Path.of("/dev/mqueue")));
        s.put("shared-memory files", names(Path.of("/dev/shm")));
        s.put("System V queues", sysv("msg"));
        s.put("System V semaphore sets", sysv("sem"));
        s.put("System V segments", sysv("shm"));
        s.put("child processes", ProcessHandle.current().children().filter(ProcessHandle::isAlive)
                .map(p -> p.pid() + " " + p.info().command().orElse("?"))
                .collect(Collectors.toCollection(TreeSet::new)));
        return s;
    }

    private static Map<String, Set<String>> added(Map<String, Set<String>> before, Map<String, Set<String>> now) {
        Map<String, Set<String>> added = new LinkedHashMap<>();
        now.forEach((kind, items) -> {
            Set<String> fresh = new TreeSet<>(items);
            fresh.removeAll(before.getOrDefault(kind, Collections.emptySet()));
            if (kind.equals("child processes")) { // a pid is new only if its number is
                Set<String> oldPids = before.get(kind).stream().map(p -> p.split(" ")[0]).collect(Collectors.toSet());
                fresh.removeIf(p -> oldPids.contains(p.split(" ")[0]));
            }
            if (!fresh.isEmpty()) {
                added.put(kind, fresh);
            }
        });
        return added;
    }

    /** Open pipes, sockets, FIFOs and IPC files, as "fd -> target"; other descriptors are the JVM's business. */
    private static Set<String> descriptors() {
        Set<String> open = new TreeSet<>();
        try (Stream<Path> fds = Files.list(PROC_FD)) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    continue; // closed while we looked: the list's own descriptor, or a race
                }
                if (target.startsWith("pipe:") || target.startsWith("socket:") || target.startsWith("/dev/shm/")
                        || target.startsWith("/dev/mqueue/") || isFifo(target)) {
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
            BasicFileAttributes a = Files.readAttributes(Path.of(target), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isOther();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * FIFOs (and sockets) in {@code dir} and the directories right under it, but for the JVMs'
     * attach sockets ({@code .java_pid<pid>}, made by any JVM that loads an agent, BlockHound's
     * included, and removed when it exits), which another test JVM on the machine makes at will.
     */
    private static Set<String> fifos(Path dir) {
        Set<String> found = new TreeSet<>();
        try (Stream<Path> all = Files.walk(dir, 2)) {
            all.filter(p -> !p.getFileName().toString().startsWith(".java_pid")).filter(p -> {
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    return a.isOther();
                } catch (IOException e) {
                    return false;
                }
            }).forEach(p -> found.add(p.toString()));
        } catch (IOException | RuntimeException e) {
            // a directory that went away while we walked: take what was seen
        }
        return found;
    }

    private static Set<String> names(Path dir) {
        try (Stream<Path> all = Files.list(dir)) {
            return all.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        } catch (IOException e) { // NoSuchFileException among them: no such mechanism here
            return Collections.emptySet();
        }
    }

    /** System V objects of this user, by id, from {@code /proc/sysvipc/KIND}. */
    private static Set<String> sysv(String kind) {
        Path table = Path.of("/proc/sysvipc", kind);
        Set<String> ids = new TreeSet<>();
        String uid = uid();
        try {
            List<String> lines = Files.readAllLines(table);
            for (int i = 1; i < lines.size(); i++) {
                String[] f = lines.get(i).trim().split("\\s+");
                // key, id, perms, ...: each table puts the owner's uid in a column of its own
                int uidColumn = kind.equals("msg") ? 7 : kind.equals("sem") ? 4 : 7;
                if (f.length > uidColumn && (uid == null || f[uidColumn].equals(uid))) {
                    ids.add("id " + f[1] + " (key " + f[0] + ")");
                }
            }
        } catch (IOException e) {
            // no System V IPC here
        }
        return ids;
    }

    private static String uid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1];
                }
            }
        } catch (IOException e) {
            // unknown: every object counts
        }
        return null;
    }
}
