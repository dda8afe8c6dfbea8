package io.interflux.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The processes of one session a benchmark started with {@code setsid} (whose leader's pid is the
 * group's id), so that whatever they spawned (children, their shells, background writers) can be
 * found in {@code /proc} and killed by that one id, even after the leader has gone and its
 * children were handed to another parent.
 */
final class ProcessGroup {

    private ProcessGroup() {
    }

    /** {@code command} run by {@code setsid}, which execs it as the leader of a new session and group. */
    static List<String> inNewSession(List<String> command) {
        List<String> cmd = new ArrayList<>();
        cmd.add("setsid");
        cmd.addAll(command);
        return cmd;
    }

    /** The pids of the live processes whose process group is {@code pgid}. */
    static List<Long> members(long pgid) {
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path p : proc) {
                String stat;
                try {
                    stat = new String(Files.readAllBytes(p.resolve("stat")), StandardCharsets.US_ASCII);
                } catch (IOException gone) {
                    continue;
                }
                // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so count from the last ')'
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (f.length > 2 && !f[0].equals("Z") && Long.parseLong(f[2]) == pgid) {
                    pids.add(Long.parseLong(p.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return pids;
    }

    /**
     * Sends SIGKILL to the group {@code pgid} if any of it is left, and waits (up to 10 s) until
     * none is; returns how many were left.
     */
    static int kill(long pgid) throws IOException, InterruptedException {
        List<Long> left = members(pgid);
        if (left.isEmpty()) {
            return 0;
        }
        new ProcessBuilder("kill", "-KILL", "--", "-" + pgid).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!members(pgid).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return left.size();
    }
}
