package io.interflux.internal;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Platform;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import java.nio.ByteBuffer;

/**
 * Access to {@link LibC}, errno and the Linux constants Interflux uses.
 *
 * <p>The constants are the generic Linux values shared by x86_64 and aarch64, the two
 * platforms Interflux supports; on any other platform {@link #libc()} refuses with an
 * {@link UnsupportedOperationException} instead of calling into an unknown ABI.
 */
public final class Native {

    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NONBLOCK = 04000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_NOFOLLOW = 0400000;

    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;
    public static final int F_DUPFD_CLOEXEC = 1030;


    public static final int WNOHANG = 1;

    static final long SYS_PIDFD_SEND_SIGNAL = 424;
    static final long SYS_PIDFD_OPEN = 434;

    private static final boolean X86_64 = Platform.getNativePlatform().getCPU() == Platform.CPU.X86_64;

    /** Size of {@code struct epoll_event}: packed on x86_64, naturally aligned elsewhere. */
    static final int EPOLL_EVENT_SIZE = X86_64 ? 12 : 16;
    /** Offset of {@code epoll_event.data} inside the struct. */
    static final int EPOLL_DATA_OFFSET = X86_64 ? 4 : 8;

    private Native() {
    }

    /** Why this platform is not supported, or {@code null} when it is. */
    private static final String UNSUPPORTED = unsupported();

    private static String unsupported() {
        Platform platform = Platform.getNativePlatform();
        if (platform.getOS() != Platform.OS.LINUX
                || (platform.getCPU() != Platform.CPU.X86_64 && platform.getCPU() != Platform.CPU.AARCH64)) {
            return "Interflux supports Linux on x86_64 and aarch64, not " + platform.getOS() + " on " + platform.getCPU();
        }
        return null;
    }

    private static final class Holder {
        static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
        static final Runtime RUNTIME = Runtime.getRuntime(LIBC);
    }

    /**
     * The bound C library. Throws {@link UnsupportedOperationException} off Linux x86_64/aarch64,
     * every time (checked before anything native is loaded, so it never turns into a class
     * initialisation error).
     */
    public static LibC libc() {
        if (UNSUPPORTED != null) {
            throw new UnsupportedOperationException(UNSUPPORTED);
        }
        return Holder.LIBC;
    }

    /** The jnr runtime the C library is bound in. */
    public static Runtime runtime() {
        libc();
        return Holder.RUNTIME;
    }

    /** The {@code errno} of the last native call made on this thread. */
    public static int errno() {
        return Holder.RUNTIME.getLastError();
    }

    /** The base address of a direct buffer. */
    public static long address(ByteBuffer direct) {
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("a direct buffer is required");
        }
        return Pointer.wrap(Holder.RUNTIME, direct).address();
    }

    /** {@code "EPIPE (Broken pipe)"} for 32: the errno name and its description. */
    public static String describe(int errno) {
        jnr.constants.platform.Errno e = jnr.constants.platform.Errno.valueOf(errno);
        if (e == null || e == jnr.constants.platform.Errno.__UNKNOWN_CONSTANT__) {
            return "errno " + errno;
        }
        return e.name() + " (" + e.description() + ")";
    }

    /** The symbolic name of an errno, {@code "EPIPE"} for 32. */
    public static String errnoName(int errno) {
        jnr.constants.platform.Errno e = jnr.constants.platform.Errno.valueOf(errno);
        return e == null || e == jnr.constants.platform.Errno.__UNKNOWN_CONSTANT__ ? "errno " + errno : e.name();
    }

    /** Adds {@code O_NONBLOCK} to a descriptor's file status flags. */
    public static void setNonBlocking(int fd, String object) {
        LibC c = libc();
        int flags = c.fcntl(fd, F_GETFL, 0);
        if (flags < 0 || c.fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
            throw io.interflux.IpcException.fromErrno("fcntl(F_SETFL, O_NONBLOCK)", object, errno());
        }
    }

    public static final int POLLIN = 0x1;
    public static final int POLLHUP = 0x10;

    /**
     * The events ready on {@code fd} right now ({@code poll(2)} with a zero timeout, so it never
     * waits): {@link #POLLIN}, {@link #POLLHUP}, ...; or {@code -errno}.
     */
    public static int readyNow(int fd) {
        int[] pollfd = {fd, POLLIN};
        for (;;) {
            int r = libc().poll(pollfd, 1, 0);
            if (r >= 0) {
                return r == 0 ? 0 : (pollfd[1] >>> 16) & 0xFFFF;
            }
            int errno = errno();
            if (errno != Errno.EINTR) {
                return -errno;
            }
        }
    }

    /** {@code pidfd_open(2)}: a descriptor that becomes readable when the process exits. */
    public static int pidfdOpen(int pid) {
        return (int) libc().syscall(SYS_PIDFD_OPEN, pid, 0, 0, 0);
    }

    /** {@code pidfd_send_signal(2)}: signals exactly the process the pidfd names, immune to pid reuse. */
    public static int pidfdSendSignal(int pidfd, int signal) {
        return (int) libc().syscall(SYS_PIDFD_SEND_SIGNAL, pidfd, signal, 0, 0);
    }

    /**
     * {@code statx(2)} of the open descriptor {@code fd} itself ({@code AT_EMPTY_PATH}), for the
     * fields in {@code mask}; fails with an {@link io.interflux.IpcException} naming {@code object}.
     */
    public static java.nio.ByteBuffer statx(int fd, String object, int mask) {
        java.nio.ByteBuffer stx = java.nio.ByteBuffer.allocateDirect(FileLibC.STATX_SIZE).order(java.nio.ByteOrder.nativeOrder());
        if (FileLibC.get().statx(fd, "", FileLibC.AT_EMPTY_PATH | FileLibC.AT_SYMLINK_NOFOLLOW, mask, address(stx)) < 0) {
            throw io.interflux.IpcException.fromErrno("statx", object, errno());
        }
        return stx;
    }

    /** The file type bits ({@link FileLibC#S_IFMT}) of a {@link #statx(int, String, int)} answer. */
    public static int fileType(java.nio.ByteBuffer stx) {
        return stx.getShort(FileLibC.STATX_MODE_OFFSET) & FileLibC.S_IFMT;
    }

}
