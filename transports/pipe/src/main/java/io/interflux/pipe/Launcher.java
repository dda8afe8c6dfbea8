package io.interflux.pipe;

import io.interflux.EventLoop;
import io.interflux.IpcException;
import io.interflux.internal.LibC;
import io.interflux.internal.Native;
import io.interflux.pipe.internal.Spawn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Creates the pipes of a {@link ChildProcessSpec}, spawns it and hands the parent ends over. */
final class Launcher {

    private Launcher() {
    }

    /**
     * @param stdinFd  when not -1, the child's stdin is a copy of this descriptor (a pipeline)
     * @param stdoutFd when not -1, the child's stdout is a copy of this descriptor (a pipeline)
     */
    static ChildProcess launch(ChildProcessSpec spec, Integer stdinFd, Integer stdoutFd) {
        LibC c = Native.libc();
        String name = spec.command.get(0);
        List<Integer> toClose = new ArrayList<>(); // child ends, closed in the parent after spawn
        int[] in = null, out = null, err = null;
        boolean started = false;
        try {
            Spawn.Action stdinAction;
            if (stdinFd != null) {
                stdinAction = Spawn.dup(stdinFd);
            } else {
                in = stdio(spec.stdin, toClose, true, name);
                stdinAction = action(spec.stdin, in, true);
            }
            Spawn.Action stdoutAction;
            if (stdoutFd != null) {
                stdoutAction = Spawn.dup(stdoutFd);
            } else {
                out = stdio(spec.stdout, toClose, false, name);
                stdoutAction = action(spec.stdout, out, false);
            }
            err = stdio(spec.stderr, toClose, false, name);
            Spawn.Action stderrAction = action(spec.stderr, err, false);

            int pid = Spawn.spawn(spec.command, environment(spec),
                    spec.directory == null ? null : spec.directory.toString(),
                    stdinAction, stdoutAction, stderrAction, spec.newProcessGroup);
            started = true;
            for (int fd : toClose) {
                c.close(fd);
            }
            toClose.clear();
            EventLoop loop = spec.loop == null ? EventLoop.shared() : spec.loop;
            return new ChildProcess(spec, pid, loop,
                    in == null ? -1 : in[1], out == null ? -1 : out[0], err == null ? -1 : err[0]);
        } finally {
            if (!started) {
                for (int fd : toClose) {
                    c.close(fd);
                }
                closeParentEnd(in, 1);
                closeParentEnd(out, 0);
                closeParentEnd(err, 0);
            }
        }
    }

    private static void closeParentEnd(int[] pipe, int index) {
        if (pipe != null) {
            Native.libc().close(pipe[index]);
        }
    }

    /** A pipe for a piped stream, with the child's end remembered for closing; else null. */
    private static int[] stdio(Stdio stdio, List<Integer> toClose, boolean childReads, String name) {
        if (!stdio.isPipe()) {
            return null;
        }
        int[] fds = new int[2];
        if (Native.libc().pipe2(fds, Native.O_CLOEXEC) < 0) {
            throw IpcException.fromErrno("pipe2", "for " + name, Native.errno());
        }
        toClose.add(childReads ? fds[0] : fds[1]);
        int parentEnd = childReads ? fds[1] : fds[0];
        try {
            Native.setNonBlocking(parentEnd, name);
        } catch (RuntimeException e) {
            toClose.add(parentEnd);
            throw e;
        }
        return fds;
    }

    private static Spawn.Action action(Stdio stdio, int[] pipe, boolean childReads) {
        switch (stdio.kind) {
            case PIPE:
            case CAPTURE:
                return Spawn.dup(childReads ? pipe[0] : pipe[1]);
            case DISCARD:
                return Spawn.devNull();
            default:
                return null;
        }
    }

    private static List<String> environment(ChildProcessSpec spec) {
        Map<String, String> env = new LinkedHashMap<>();
        if (spec.inheritEnvironment) {
            env.putAll(System.getenv());
        }
        env.putAll(spec.environment);
        List<String> entries = new ArrayList<>(env.size());
        env.forEach((k, v) -> entries.add(k + "=" + v));
        return entries;
    }
}
