package io.interflux.benchmarks;

import io.interflux.Creation;
import io.interflux.shm.SemaphoreDescriptor;
import io.interflux.shm.SharedLong;
import io.interflux.shm.SharedSemaphore;
import io.interflux.shm.SharedValues;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What one sync run creates, and removes again however it ends, under the base name
 * {@code ifx-bench-sync-<pid>}: the Interflux lock ({@code /dev/shm/<base>-lock} and its System V
 * set), the shared values holding the counter ({@code /dev/shm/<base>-values}), the baseline's
 * System V semaphore (its id written to {@code /dev/shm/<base>-semop}), and the {@link SyncPeer}
 * child JVM attached to them all.
 *
 * <p>{@link #close()} stops the peer (end of its stdin, then a kill), disposes the lock and values
 * and removes the baseline's set and file, each step whatever the others did; should the lock's
 * dispose still wait for a permit after a second (a loop that failed mid-permit), its set and file
 * are removed directly. A shutdown hook does the same if this JVM is interrupted first. When this
 * JVM is killed outright, its peer, finding its stdin closed without {@code end}, removes them as it
 * ends ({@link #removeAll(String)}); whatever
 * is still left (both killed) the next run removes ({@link #removeStale()}).
 */
final class SyncSetup implements AutoCloseable {

    static final String PREFIX = "ifx-bench-sync-";
    private static final Path SHM = Path.of("/dev/shm");

    final String base = PREFIX + ProcessHandle.current().pid();
    SharedSemaphore lock;
    SharedValues values;
    SharedLong counter;
    SysVSemaphore semop;
    PeerJvm peer;
    /** What to undo, last created first. */
    private final Deque<AutoCloseable> undo = new ArrayDeque<>();
    private final Thread hook = new Thread(this::close, "sync-bench-cleanup");

    private SyncSetup() {
    }

    /** Creates the lock, the values and the baseline semaphore, then starts the peer and waits until it has attached. */
    static SyncSetup open() throws Exception {
        SyncSetup s = new SyncSetup();
        Runtime.getRuntime().addShutdownHook(s.hook);
        try {
            s.lock = SharedSemaphore.lock(SyncPeer.lockName(s.base)).creation(Creation.CREATE_NEW)
                    .openNow(SyncPeer.OPEN_LIMIT);
            SharedSemaphore lock = s.lock;
            s.undo.push(() -> disposeLock(lock));
            s.values = SharedValues.named(SyncPeer.valuesName(s.base)).slots(1).creation(Creation.CREATE_NEW)
                    .openNow(SyncPeer.OPEN_LIMIT);
            s.undo.push(s.values::dispose);
            s.counter = s.values.longValue(0);
            Path idFile = semopFile(s.base);
            s.semop = SysVSemaphore.create(1);
            SysVSemaphore semop = s.semop;
            s.undo.push(() -> {
                semop.remove();
                Files.deleteIfExists(idFile);
            });
            Files.writeString(Files.createFile(idFile,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                    Integer.toString(semop.id()));
            PeerJvm peer = new PeerJvm("sync peer", SyncPeer.class, s.base, Integer.toString(semop.id()));
            s.peer = peer;
            s.undo.push(() -> {
                try {
                    peer.start(SyncPeer.END); // else the end of its stdin tells it this JVM died
                } catch (IOException gone) {
                    // the peer ended already
                }
                peer.close();
            });
            s.peer.awaitLine("ready");
            return s;
        } catch (Exception | Error e) {
            s.close();
            throw e;
        }
    }

    /** The file that names the baseline's set, for the next run to find should this one be killed. */
    private static Path semopFile(String base) {
        return SHM.resolve(base + "-semop");
    }

    /**
     * Disposes the lock; the set and file go once every permit of this process is back, so if one
     * is still held a second later (a loop that failed while holding it), they are removed here.
     */
    private static void disposeLock(SharedSemaphore lock) throws IOException {
        lock.dispose();
        try {
            lock.onDispose().block(Duration.ofSeconds(1));
        } catch (IllegalStateException stillHeld) {
            SysVSemaphore.removeIf(lock.id(), 2);
            Files.deleteIfExists(lock.path());
        }
    }

    /**
     * Removes {@code /dev/shm/ifx-bench-sync-<pid>-*} files whose run (the process {@code pid}) is
     * gone, and the System V sets the lock's file and the baseline's file name.
     */
    static void removeStale() throws IOException {
        for (Path p : files(PREFIX)) {
            String rest = p.getFileName().toString().substring(PREFIX.length());
            int dash = rest.indexOf('-');
            long pid;
            try {
                pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
            } catch (NumberFormatException e) {
                continue;
            }
            if (pid != ProcessHandle.current().pid() && !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                removeLeftover(p);
            }
        }
    }

    /**
     * Removes what the run {@code base} made: the peer calls it when its parent dies before it
     * could (killed by {@code SIGKILL}), so that nothing is left for the next run to find.
     */
    static void removeAll(String base) throws IOException {
        for (Path p : files(base + "-")) {
            removeLeftover(p);
        }
    }

    private static List<Path> files(String prefix) throws IOException {
        try (Stream<Path> files = Files.list(SHM)) {
            return files.filter(p -> p.getFileName().toString().startsWith(prefix)).collect(Collectors.toList());
        }
    }

    /** Removes a file of a run that ended without cleaning up, and the set it names, if it names one. */
    private static void removeLeftover(Path p) throws IOException {
        String name = p.getFileName().toString();
        Integer set = null;
        int nsems = 0;
        try {
            if (name.endsWith("-lock")) {
                set = lockSet(p);
                nsems = 2;
            } else if (name.endsWith("-semop")) {
                set = Integer.parseInt(Files.readString(p).trim());
                nsems = 1;
            }
        } catch (IOException | RuntimeException unreadable) {
            // a file cut short by the kill, or removed meanwhile: no set to find in it
        }
        if (set != null && SysVSemaphore.removeIf(set, nsems)) {
            PipeBenchmark.log("removed semaphore set %d, left by a run that was killed", set);
        }
        if (Files.deleteIfExists(p)) {
            PipeBenchmark.log("removed %s, left by a run that was killed", p);
        }
    }

    /** The set a lock's file names, if its header is whole. */
    private static Integer lockSet(Path p) throws IOException {
        ByteBuffer h = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        if (h.limit() < SemaphoreDescriptor.LENGTH || h.getLong(0) != SemaphoreDescriptor.MAGIC) {
            return null;
        }
        return h.getInt(SemaphoreDescriptor.SEMID_OFFSET);
    }

    @Override
    public synchronized void close() {
        Throwable first = null;
        while (!undo.isEmpty()) {
            try {
                undo.pop().close();
            } catch (Exception | Error e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // called from the hook itself
        }
        if (first != null) {
            System.err.println("sync benchmark cleanup: " + first);
        }
    }
}
