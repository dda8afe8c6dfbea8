package io.interflux.it.support;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.pipe.ChildProcess;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The System V semaphore sets of this machine as the real {@code ipcs -s} lists them, and their
 * removal with {@code ipcrm -s}: how a test sees that a set exists with the permissions it should
 * have, and that none is left behind.
 *
 * <pre>{@code
 * assertThat(SemaphoreSets.listed()).containsEntry(lock.id(), new SemaphoreSets.Set(lock.id(), "600", 2));
 * SemaphoreSets.remove(id); // ipcrm -s id
 * }</pre>
 */
public final class SemaphoreSets {

    /** How long {@code ipcs} or {@code ipcrm} may take on a busy machine. */
    static final Duration WAIT = Duration.ofSeconds(10);

    private SemaphoreSets() {
    }

    /** One line of {@code ipcs -s}: the set's id, its permission bits in octal ({@code "600"}), and how many semaphores it has. */
    public record Set(int id, String perms, int semaphores) {
    }

    /** Every set {@code ipcs -s} lists, by id. */
    public static Map<Integer, Set> listed() {
        // "0x00000000 5          root       600        2": key, semid, owner, perms, nsems
        Map<Integer, Set> sets = new LinkedHashMap<>();
        for (String line : run("ipcs", "-s")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 5 && f[0].startsWith("0x")) {
                int id = Integer.parseInt(f[1]);
                sets.put(id, new Set(id, f[3], Integer.parseInt(f[4])));
            }
        }
        return sets;
    }

    /** Removes set {@code id} ({@code ipcrm -s id}), failing with ipcrm's message when it cannot. */
    public static void remove(int id) {
        run("ipcrm", "-s", Integer.toString(id));
    }

    /** Runs {@code command}, returns its stdout lines; fails with its stderr unless it exits with 0. */
    private static List<String> run(String... command) {
        ChildProcess p = ChildProcess.command(command).start().block(WAIT);
        try {
            List<String> lines = p.stdout(Framing.lines(), Codec.utf8()).collectList().block(WAIT);
            int status = p.exit().block(WAIT);
            if (status != 0) {
                throw new AssertionError(String.join(" ", command) + " exited with " + status + ": "
                        + p.capturedStderr());
            }
            return lines;
        } finally {
            p.dispose();
        }
    }
}
