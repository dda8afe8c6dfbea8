package io.interflux.pipe.internal;

import io.interflux.IpcException;
import io.interflux.internal.Native;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.Out;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code posix_spawnp(3)} with file actions, through jnr.
 *
 * <p>glibc's {@code posix_spawn} uses {@code clone(CLONE_VM|CLONE_VFORK)} and reports a failed
 * {@code exec} (a missing executable) as the return value, so a bad command fails here, in the
 * parent, with the errno and nothing left running.
 */
public final class Spawn {

    /** The subset of libc that spawning needs. Opaque structs are passed as raw addresses. */
    public interface SpawnLib {
        int posix_spawn_file_actions_init(long actions);

        int posix_spawn_file_actions_destroy(long actions);

        int posix_spawn_file_actions_adddup2(long actions, int fd, int newFd);

        int posix_spawn_file_actions_addopen(long actions, int fd, String path, int flags, int mode);

        int posix_spawn_file_actions_addchdir_np(long actions, String path);

        int posix_spawn_file_actions_addclosefrom_np(long actions, int from);

        int posix_spawnattr_init(long attr);

        int posix_spawnattr_destroy(long attr);

        int posix_spawnattr_setflags(long attr, short flags);

        int posix_spawnattr_setsigmask(long attr, long sigset);

        int posix_spawnattr_setsigdefault(long attr, long sigset);

        int posix_spawnattr_setpgroup(long attr, int pgroup);

        int sigemptyset(long set);

        int sigfillset(long set);

        int posix_spawnp(@Out int[] pid, String file, long actions, long attr, long argv, long envp);
    }

    private static final short POSIX_SPAWN_SETPGROUP = 0x02;
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    /** Generous upper bounds of glibc's opaque struct sizes (80, 336 and 128 bytes on x86_64). */
    private static final int ACTIONS_SIZE = 512;
    private static final int ATTR_SIZE = 1024;
    private static final int SIGSET_SIZE = 256;

    private static final class Holder {
        static final SpawnLib LIB = LibraryLoader.create(SpawnLib.class).load("c");
    }

    /** What goes to one of the child's standard descriptors. */
    public interface Action {
        void apply(SpawnLib lib, long actions, int target);
    }

    /** The child's descriptor {@code target} becomes a copy of the parent's {@code fd}. */
    public static Action dup(int fd) {
        return (lib, actions, target) -> check(lib.posix_spawn_file_actions_adddup2(actions, fd, target),
                "posix_spawn_file_actions_adddup2", "fd " + fd);
    }

    /** The child's descriptor {@code target} is {@code /dev/null}. */
    public static Action devNull() {
        return (lib, actions, target) -> check(lib.posix_spawn_file_actions_addopen(actions, target, "/dev/null",
                Native.O_RDWR, 0), "posix_spawn_file_actions_addopen", "/dev/null");
    }

    private Spawn() {
    }

    /**
     * Starts {@code argv[0]} (searched in {@code PATH} unless it holds a {@code '/'}) with the
     * given standard descriptors; {@code null} actions inherit the parent's descriptor. Signal
     * mask and dispositions are reset to defaults, so the child sees {@code SIGPIPE} as a shell
     * command would.
     *
     * @return the pid
     */
    public static int spawn(List<String> argv, List<String> environment, String directory,
                            Action stdin, Action stdout, Action stderr, boolean newProcessGroup) {
        SpawnLib lib = Holder.LIB;
        jnr.ffi.Runtime rt = Native.runtime();
        Pointer actions = Memory.allocateDirect(rt, ACTIONS_SIZE, true);
        Pointer attr = Memory.allocateDirect(rt, ATTR_SIZE, true);
        Pointer sigset = Memory.allocateDirect(rt, SIGSET_SIZE, true);
        List<Pointer> keep = new ArrayList<>();
        String file = argv.get(0);
        check(lib.posix_spawn_file_actions_init(actions.address()), "posix_spawn_file_actions_init", file);
        try {
            check(lib.posix_spawnattr_init(attr.address()), "posix_spawnattr_init", file);
            try {
                if (stdin != null) {
                    stdin.apply(lib, actions.address(), 0);
                }
                if (stdout != null) {
                    stdout.apply(lib, actions.address(), 1);
                }
                if (stderr != null) {
                    stderr.apply(lib, actions.address(), 2);
                }
                closeInherited(lib, actions.address(), file);
                if (directory != null) {
                    check(lib.posix_spawn_file_actions_addchdir_np(actions.address(), directory),
                            "posix_spawn_file_actions_addchdir_np", directory);
                }
                short flags = (short) (POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
                if (newProcessGroup) {
                    flags |= POSIX_SPAWN_SETPGROUP;
                    check(lib.posix_spawnattr_setpgroup(attr.address(), 0), "posix_spawnattr_setpgroup", file);
                }
                lib.sigemptyset(sigset.address());
                check(lib.posix_spawnattr_setsigmask(attr.address(), sigset.address()), "posix_spawnattr_setsigmask", file);
                lib.sigfillset(sigset.address());
                check(lib.posix_spawnattr_setsigdefault(attr.address(), sigset.address()), "posix_spawnattr_setsigdefault", file);
                check(lib.posix_spawnattr_setflags(attr.address(), flags), "posix_spawnattr_setflags", file);

                Pointer argvp = stringArray(rt, argv, keep);
                Pointer envp = stringArray(rt, environment, keep);
                int[] pid = new int[1];
                int rc = lib.posix_spawnp(pid, file, actions.address(), attr.address(), argvp.address(), envp.address());
                if (rc != 0) {
                    throw new IpcException("posix_spawnp", quote(file), rc,
                            rc == 2 ? "no such executable in PATH or at that path"
                                    : directory != null && rc == 20 ? "working directory " + directory + " is not a directory" : null);
                }
                return pid[0];
            } finally {
                lib.posix_spawnattr_destroy(attr.address());
            }
        } finally {
            lib.posix_spawn_file_actions_destroy(actions.address());
            keep.clear();
        }
    }

    /**
     * Closes every descriptor above stderr in the child, as {@code ProcessBuilder} does: the JVM
     * holds descriptors without {@code FD_CLOEXEC} (class-path jars, sockets a user opened) that
     * a child must not inherit. Needs glibc 2.34; older ones pass such descriptors on.
     */
    private static void closeInherited(SpawnLib lib, long actions, String file) {
        if (!CLOSEFROM_AVAILABLE) {
            return;
        }
        try {
            check(lib.posix_spawn_file_actions_addclosefrom_np(actions, 3), "posix_spawn_file_actions_addclosefrom_np", file);
        } catch (UnsatisfiedLinkError e) {
            CLOSEFROM_AVAILABLE = false;
        }
    }

    private static volatile boolean CLOSEFROM_AVAILABLE = true;

    private static Pointer stringArray(jnr.ffi.Runtime rt, List<String> strings, List<Pointer> keep) {
        Pointer array = Memory.allocateDirect(rt, (long) (strings.size() + 1) * 8, true);
        for (int i = 0; i < strings.size(); i++) {
            byte[] bytes = strings.get(i).getBytes(StandardCharsets.UTF_8);
            Pointer s = Memory.allocateDirect(rt, bytes.length + 1, true);
            s.put(0, bytes, 0, bytes.length);
            s.putByte(bytes.length, (byte) 0);
            keep.add(s);
            array.putAddress((long) i * 8, s.address());
        }
        array.putAddress((long) strings.size() * 8, 0L);
        keep.add(array);
        return array;
    }

    private static void check(int rc, String call, String object) {
        if (rc != 0) {
            throw IpcException.fromErrno(call, object, rc);
        }
    }

    static String quote(String s) {
        return "\"" + s + "\"";
    }
}
