package io.interflux.internal;

import jnr.ffi.LibraryLoader;

/**
 * The libc file-system calls the named-object transports share (FIFOs, shared-memory segments and
 * their doorbells): make, stat, change and remove a file without following symbolic links.
 *
 * <p>Bound through jnr-ffi into the same runtime as core's binding, so
 * {@link io.interflux.internal.Native#errno()} reads the errno these calls leave behind (jnr
 * saves it per thread right after each call). Pointers are raw {@code long} addresses.
 */
public interface FileLibC {

    /** {@code O_PATH}: a descriptor naming a file without opening it for I/O (same value on x86_64 and aarch64). */
    int O_PATH = 010000000;
    int AT_FDCWD = -100;
    int AT_SYMLINK_NOFOLLOW = 0x100;
    int AT_EMPTY_PATH = 0x1000;
    int STATX_TYPE = 0x1;
    int STATX_MODE = 0x2;
    int STATX_NLINK = 0x4;
    int STATX_UID = 0x8;
    int STATX_INO = 0x100;
    int STATX_SIZE_FIELD = 0x200;
    /** Size of {@code struct statx}, the same on every architecture. */
    int STATX_SIZE = 256;
    int STATX_NLINK_OFFSET = 16;
    int STATX_UID_OFFSET = 20;
    int STATX_MODE_OFFSET = 28;
    int STATX_INO_OFFSET = 32;
    int STATX_SIZE_OFFSET = 40;
    int STATX_DEV_MAJOR_OFFSET = 136;
    int STATX_DEV_MINOR_OFFSET = 140;

    int S_IFMT = 0170000;
    int S_IFIFO = 0010000;
    int S_IFLNK = 0120000;
    int S_IFREG = 0100000;
    int S_IFDIR = 0040000;
    int S_IFSOCK = 0140000;


    int mkfifo(String path, int mode);

    int chmod(String path, int mode);

    int fchmod(int fd, int mode);

    int unlink(String path);

    int statx(int dirfd, String path, int flags, int mask, long statxBuffer);

    /** The bound library. */
    static FileLibC get() {
        return Holder.LIBC;
    }

    /** Lazily bound, after core has checked the platform. */
    final class Holder {
        static final FileLibC LIBC;

        static {
            Native.libc(); // refuses unsupported platforms first
            LIBC = LibraryLoader.create(FileLibC.class).load("c");
        }

        private Holder() {
        }
    }
}
