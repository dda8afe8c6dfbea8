package io.interflux.benchmarks;

import io.interflux.shm.SharedRing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What one shm run creates, and removes again however it ends: the Interflux rings and Agrona
 * ring files of every role under the base name {@code ifx-bench-shm-<pid>} in {@code /dev/shm},
 * and the {@link ShmPeer} child JVM attached to them. {@link #close()} stops the peer (end of its
 * stdin, then a kill) and removes every file, each step whatever the others did; a shutdown hook
 * does the same if this JVM is interrupted (Ctrl-C, SIGTERM) first. Files left by a run that was
 * killed outright are removed by the next one ({@link #removeStale()}).
 */
final class ShmSetup implements AutoCloseable {

    static final String PREFIX = "ifx-bench-shm-";
    private static final Path SHM = Path.of("/dev/shm");

    final String base = PREFIX + ProcessHandle.current().pid();
    private final Map<String, SharedRing> rings = new LinkedHashMap<>();
    private final Map<String, AgronaSpinRing> spins = new LinkedHashMap<>();
    /** What to undo, last created first. */
    private final Deque<AutoCloseable> undo = new ArrayDeque<>();
    private final Thread hook = new Thread(this::closeQuietly, "shm-bench-cleanup");
    PeerJvm peer;
    private volatile boolean closing;

    private ShmSetup() {
    }

    /** Creates the rings and baseline files of every role, then starts the peer and waits until it has attached. */
    static ShmSetup open() throws Exception {
        ShmSetup s = new ShmSetup();
        Runtime.getRuntime().addShutdownHook(s.hook);
        try {
            for (String role : ShmPeer.ROLES) {
                SharedRing ring = ShmBenchmark.spec(s.base, role).openNow(ShmPeer.OPEN_LIMIT);
                s.undo.push(ring::dispose); // created here, so dispose removes the segment and doorbells
                s.rings.put(role, ring);
                AgronaSpinRing spin = AgronaSpinRing.create(ShmPeer.spinFile(s.base, role), ShmBenchmark.CAPACITY,
                        ShmPeer.many(role));
                s.undo.push(spin);
                s.spins.put(role, spin);
            }
            s.peer = new PeerJvm("shm peer", ShmPeer.class, s.base);
            s.undo.push(s.peer);
            s.peer.process.onExit().thenRun(s::peerEnded);
            s.peer.awaitLine("ready");
            return s;
        } catch (Exception | Error e) {
            s.close();
            throw e;
        }
    }

    SharedRing ring(String role) {
        return rings.get(role);
    }

    AgronaSpinRing spin(String role) {
        return spins.get(role);
    }

    /** Removes {@code /dev/shm/ifx-bench-shm-<pid>-*} files whose run (the process {@code pid}) is gone. */
    static void removeStale() throws IOException {
        try (Stream<Path> files = Files.list(SHM)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String name = p.getFileName().toString();
                if (!name.startsWith(PREFIX)) {
                    continue;
                }
                String rest = name.substring(PREFIX.length());
                int dash = rest.indexOf('-');
                long pid;
                try {
                    pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (pid != ProcessHandle.current().pid()
                        && !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    Files.deleteIfExists(p);
                    PipeBenchmark.log("removed %s, left by a run that was killed", p);
                }
            }
        }
    }

    /**
     * The peer is gone: unless this is the end of the run, every wait on it ends now, not after
     * its limit: the rings are disposed (receives complete, sends fail) and the spin loops abandoned.
     */
    private void peerEnded() {
        if (closing) {
            return;
        }
        String why = "the shm peer ended (status " + peer.process.exitValue() + ")";
        System.err.println(why + " in the middle of the run: ending its rings and loops");
        spins.values().forEach(spin -> spin.abandon(why));
        rings.values().forEach(SharedRing::dispose);
    }

    @Override
    public synchronized void close() {
        closing = true;
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
            System.err.println("shm benchmark cleanup: " + first);
        }
    }

    private void closeQuietly() {
        close();
    }
}
