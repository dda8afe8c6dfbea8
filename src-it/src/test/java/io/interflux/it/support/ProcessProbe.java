package io.interflux.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What {@code /proc/<pid>} says about another process: its scheduler state, the kernel function
 * it sleeps in, and how many bytes it has read and written through system calls. This is how a
 * test sees that a peer is held back by a full pipe, FIFO or queue rather than merely slow.
 *
 * <pre>{@code
 * ProcessProbe probe = ProcessProbe.of(child.pid());
 * probe.state();          // 'S': sleeping
 * probe.wchan();          // Optional[anon_pipe_write] (empty when the kernel hides it)
 * probe.writtenBytes();   // wchar of /proc/<pid>/io
 * }</pre>
 *
 * Linux only. Reading {@code io} and {@code wchan} needs the rights to trace the process, which a
 * test has over its own children.
 */
public final class ProcessProbe {

    private final long pid;
    private final Path dir;

    private ProcessProbe(long pid, Path dir) {
        this.pid = pid;
        this.dir = dir;
    }

    /** A probe of process {@code pid}. */
    public static ProcessProbe of(long pid) {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid > 0 required but it was " + pid);
        }
        return new ProcessProbe(pid, Path.of("/proc", Long.toString(pid)));
    }

    /** The process id (the thread id for a probe from {@link #threads()}). */
    public long pid() {
        return pid;
    }

    /**
     * The state letter of {@code /proc/<pid>/stat}: {@code 'R'} running, {@code 'S'} sleeping
     * interruptibly, {@code 'D'} in uninterruptible wait, {@code 'Z'} zombie, ... ; {@code '?'}
     * when the process is gone.
     */
    public char state() {
        String stat = read("stat");
        if (stat == null) {
            return '?';
        }
        // the command name in parentheses may hold spaces and ')': the state follows the last ')'
        int close = stat.lastIndexOf(')');
        return stat.charAt(close + 2);
    }

    /**
     * The kernel function the process sleeps in ({@code /proc/<pid>/wchan}), or empty when it is
     * running, gone, or the kernel does not reveal it (it then reports {@code 0}).
     */
    public Optional<String> wchan() {
        String w = read("wchan");
        if (w == null) {
            return Optional.empty();
        }
        w = w.trim();
        return w.isEmpty() || w.equals("0") ? Optional.empty() : Optional.of(w);
    }

    /**
     * The CPU time the process (or thread) has used, user and system, in clock ticks: {@code utime}
     * plus {@code stime} of {@code /proc/<pid>/stat}; -1 when it is gone. A tick is
     * 1 / {@code getconf CLK_TCK} of a second.
     */
    public long cpuTicks() {
        String stat = read("stat");
        if (stat == null) {
            return -1;
        }
        // fields after the command name: state is field 3, utime field 14, stime field 15
        String[] after = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
        return Long.parseLong(after[14 - 3]) + Long.parseLong(after[15 - 3]);
    }

    /** The command name ({@code /proc/<pid>/comm}): for a JVM's thread, its name cut to 15 bytes. */
    public String name() {
        String comm = read("comm");
        return comm == null ? "?" : comm.trim();
    }

    /** Bytes the process has passed to write-like system calls ({@code wchar} of {@code /proc/<pid>/io}). */
    public long writtenBytes() {
        return ioField("wchar");
    }

    /** Bytes the process has read through read-like system calls ({@code rchar} of {@code /proc/<pid>/io}). */
    public long readBytes() {
        return ioField("rchar");
    }

    /**
     * Whether one of the process's threads sleeps ({@code 'S'}) in a kernel function whose name
     * contains {@code wchanFragment}, such as {@code "pipe"} for {@code pipe_write} or
     * {@code anon_pipe_write}. Every thread is looked at: in a JVM the thread that writes is not
     * the main one. Where the kernel hides {@code wchan} (it reports {@code 0}), a sleeping thread
     * counts, which is a weaker test; {@link #writtenBytes()} standing still then tells more.
     */
    public boolean isBlockedIn(String wchanFragment) {
        for (ProcessProbe thread : threads()) {
            if (thread.state() == 'S') {
                Optional<String> w = thread.wchan();
                if (w.isEmpty() || w.get().contains(wchanFragment)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The process's threads ({@code /proc/<pid>/task/<tid>}), each probed like a process; empty when it is gone. */
    public List<ProcessProbe> threads() {
        try (Stream<Path> tasks = Files.list(dir.resolve("task"))) {
            return tasks.map(t -> new ProcessProbe(Long.parseLong(t.getFileName().toString()), t))
                    .collect(Collectors.toList());
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            if (!Files.exists(dir)) {
                return List.of();
            }
            throw new UncheckedIOException("cannot list " + dir.resolve("task"), e);
        }
    }

    private long ioField(String name) {
        String io = read("io");
        if (io == null) {
            return -1;
        }
        for (String line : io.split("\n")) {
            if (line.startsWith(name + ":")) {
                return Long.parseLong(line.substring(name.length() + 1).trim());
            }
        }
        throw new IllegalStateException("/proc/" + pid + "/io has no " + name + ": " + io);
    }

    private String read(String file) {
        try {
            return new String(Files.readAllBytes(dir.resolve(file)), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            if (!Files.exists(dir)) {
                return null;
            }
            throw new UncheckedIOException("cannot read " + dir.resolve(file), e);
        }
    }

    @Override
    public String toString() {
        // a JVM has dozens of threads, mostly in futex waits: show each distinct state and wchan once
        String threads = threads().stream().map(t -> t.state() + "/" + t.wchan().orElse("-"))
                .distinct().sorted().collect(Collectors.joining(", "));
        return "pid " + pid + " state " + state() + " wchan " + wchan().orElse("-") + " wchar " + writtenBytes()
                + " threads [" + threads + "]";
    }
}
