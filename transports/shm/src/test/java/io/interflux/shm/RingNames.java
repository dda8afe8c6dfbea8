package io.interflux.shm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.atomic.AtomicInteger;

/** Unique ring names for tests, and removal of what a failed test left behind. */
final class RingNames {

    private static final AtomicInteger NEXT = new AtomicInteger();

    private RingNames() {
    }

    static String unique(String what) {
        return "/ifx-" + what + "-" + ProcessHandle.current().pid() + "-" + NEXT.incrementAndGet();
    }

    static Path segment(String name) {
        return Paths.get("/dev/shm", name.substring(1));
    }

    static boolean exists(String name) {
        Path s = segment(name);
        return Files.exists(s) || Files.exists(Paths.get(s + ".bell")) || Files.exists(Paths.get(s + ".space"));
    }

    static void remove(String name) {
        Path s = segment(name);
        for (Path p : new Path[] {s, Paths.get(s + ".bell"), Paths.get(s + ".space")}) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // best effort: the test reports what it found
            }
        }
    }
}
