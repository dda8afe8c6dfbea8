package io.interflux.socket.internal;

import jnr.ffi.LibraryLoader;

/**
 * The libc calls of the Unix-socket checks Netty has no API for: a non-blocking probe of what
 * listens at a path. Bound into the same jnr runtime as core's binding, so
 * {@link io.interflux.internal.Native#errno()} reads their errno.
 */
public interface SocketLibC {

    int AF_UNIX = 1;
    int SOCK_STREAM = 1;
    int SOCK_DGRAM = 2;
    int SOCK_NONBLOCK = 04000;
    int SOCK_CLOEXEC = 02000000;
    /** {@code struct sockaddr_un}: sun_family (u16) then sun_path[108]. */
    int SOCKADDR_UN_SIZE = 110;

    int socket(int domain, int type, int protocol);

    int connect(int fd, long address, int length);

    /** The bound library. */
    static SocketLibC get() {
        return Holder.LIBC;
    }

    /** Lazily bound, after core has checked the platform. */
    final class Holder {
        static final SocketLibC LIBC;

        static {
            io.interflux.internal.Native.libc();
            LIBC = LibraryLoader.create(SocketLibC.class).load("c");
        }

        private Holder() {
        }
    }
}
