package io.interflux.it.shm;

import io.interflux.it.support.SemaphoreSets;
import io.interflux.shm.SemaphoreDescriptor;
import io.interflux.shm.SharedSemaphore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The named objects of one shared values and semaphore test, under names no other test or run
 * uses: a values segment {@code /dev/shm/BASE-values}, a System V semaphore named by the file
 * {@code /dev/shm/BASE-sem}, and a POSIX semaphore {@code /dev/shm/sem.BASE-posix}.
 *
 * <pre>{@code
 * SyncObjects objects = SyncObjects.unique("counter");
 * os.onRelease("remove " + objects, objects::remove);
 * SharedValues values = os.track(SharedValues.named(objects.values()).slots(8).openNow(WAIT));
 * SharedSemaphore lock = os.track(objects.remember(SharedSemaphore.lock(objects.semaphore()).openNow(WAIT)));
 * }</pre>
 *
 * {@link #remove()} takes away whatever the test's openings left: the files, and the semaphore sets
 * that {@link #remember(SharedSemaphore)} recorded or a left file still names, if
 * {@code ipcs -s} still lists them.
 */
final class SyncObjects {

    private static final AtomicInteger NEXT = new AtomicInteger();

    private final String base;
    private final Set<Integer> sets = ConcurrentHashMap.newKeySet();

    private SyncObjects(String base) {
        this.base = base;
    }

    /** Fresh names, {@code /ifx-it-sync-<what>-<pid>-<n>-...}. */
    static SyncObjects unique(String what) {
        return new SyncObjects("/ifx-it-sync-" + what + "-" + ProcessHandle.current().pid() + "-"
                + NEXT.incrementAndGet());
    }

    /** The values segment's POSIX name. */
    String values() {
        return base + "-values";
    }

    /** The System V semaphore's name (its file in {@code /dev/shm}). */
    String semaphore() {
        return base + "-sem";
    }

    /** The POSIX semaphore's name. */
    String posix() {
        return base + "-posix";
    }

    Path valuesFile() {
        return Path.of("/dev/shm", values().substring(1));
    }

    Path semaphoreFile() {
        return Path.of("/dev/shm", semaphore().substring(1));
    }

    /** Where glibc keeps a POSIX semaphore: {@code /dev/shm/sem.NAME}. */
    Path posixFile() {
        return Path.of("/dev/shm", "sem." + posix().substring(1));
    }

    /** The names' common prefix as {@code ls /dev/shm} shows it (the POSIX semaphore's after {@code "sem."}). */
    String fileNamePrefix() {
        return base.substring(1);
    }

    /** Records the set of {@code semaphore}, so that {@link #remove()} can take it away; returns it. */
    SharedSemaphore remember(SharedSemaphore semaphore) {
        sets.add(semaphore.id());
        return semaphore;
    }

    /** The files that exist (a symbolic link counts). */
    List<Path> left() {
        return List.of(valuesFile(), semaphoreFile(), posixFile()).stream()
                .filter(p -> Files.exists(p, LinkOption.NOFOLLOW_LINKS)).collect(Collectors.toList());
    }

    /** Removes the files and the recorded sets still listed by {@code ipcs -s}. */
    void remove() throws IOException {
        Set<Integer> ids = new TreeSet<>(sets);
        Integer named = namedSet();
        if (named != null) {
            ids.add(named);
        }
        Files.deleteIfExists(valuesFile());
        Files.deleteIfExists(semaphoreFile());
        Files.deleteIfExists(posixFile());
        Set<Integer> listed = SemaphoreSets.listed().keySet();
        for (int id : ids) {
            if (listed.contains(id)) {
                SemaphoreSets.remove(id);
            }
        }
    }

    /** The set id in the semaphore's file ({@link SemaphoreDescriptor#SEMID_OFFSET}), if the file is there and says so. */
    private Integer namedSet() throws IOException {
        Path file = semaphoreFile();
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
                || Files.size(file) < SemaphoreDescriptor.LENGTH) {
            return null;
        }
        ByteBuffer header = ByteBuffer.allocate(SemaphoreDescriptor.LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ch.read(header, 0);
        }
        return header.getLong(0) == SemaphoreDescriptor.MAGIC ? header.getInt(SemaphoreDescriptor.SEMID_OFFSET) : null;
    }

    @Override
    public String toString() {
        return "sync objects " + base + "{-values,-sem,-posix}";
    }
}
