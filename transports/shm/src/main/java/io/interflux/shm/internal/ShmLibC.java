package io.interflux.shm.internal;

import jnr.ffi.LibraryLoader;

/**
 * The libc entry points the shared-memory transport needs beyond {@link io.interflux.internal.LibC}
 * and {@link io.interflux.internal.FileLibC}: mapping and locking.
 *
 * <p>Bound through jnr-ffi into the same runtime as core's binding, so
 * {@link io.interflux.internal.Native#errno()} reads the errno these calls leave behind.
 * Pointers are raw {@code long} addresses.
 */
public interface ShmLibC {

    int PROT_READ = 0x1;
    int PROT_WRITE = 0x2;
    int MAP_SHARED = 0x1;
    int MAP_PRIVATE = 0x2;
    int MAP_FIXED = 0x10;
    int MAP_ANONYMOUS = 0x20;
    long MAP_FAILED = -1L;

    /** Open-file-description locks ({@code fcntl(2)}): owned by the open file, dropped when it is closed, also on death. */
    int F_OFD_GETLK = 36;
    int F_OFD_SETLK = 37;
    short F_RDLCK = 0;
    short F_WRLCK = 1;
    short F_UNLCK = 2;
    /** {@code struct flock} on x86_64 and aarch64: l_type, l_whence (shorts), l_start, l_len (longs), l_pid. */
    int FLOCK_SIZE = 32;
    int FLOCK_TYPE = 0;
    int FLOCK_WHENCE = 2;
    int FLOCK_START = 8;
    int FLOCK_LEN = 16;
    int FLOCK_PID = 24;

    int ftruncate(int fd, long length);

    /**
     * Declared with a pointer for its first argument and result: with six primitive arguments
     * jnr-ffi's fast path passes them wrongly here and the call fails with EINVAL. Pass
     * {@code null}; the result is {@code null} or has {@code address() == -1} on failure.
     */
    jnr.ffi.Pointer mmap(jnr.ffi.Pointer address, @jnr.ffi.types.size_t long length, int prot, int flags, int fd,
                         @jnr.ffi.types.off_t long offset);

    int munmap(long address, long length);

    int fcntl(int fd, int cmd, long flock);

    /** The bound library. */
    static ShmLibC get() {
        return Holder.LIBC;
    }

    /** Lazily bound, after core has checked the platform. */
    final class Holder {
        static final ShmLibC LIBC;

        static {
            io.interflux.internal.Native.libc(); // refuses unsupported platforms first
            LIBC = LibraryLoader.create(ShmLibC.class).load("c");
        }

        private Holder() {
        }
    }
}
