package io.interflux.internal;

import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.Pinned;

import java.nio.ByteBuffer;

/**
 * The libc entry points every transport shares, bound once through jnr-ffi.
 *
 * <p>Pointers are passed as raw {@code long} addresses (Interflux supports 64-bit Linux only),
 * which keeps the call path free of marshalling objects. Return values follow libc: {@code -1}
 * and {@code errno} on failure, read with {@link Native#errno()}.
 */
public interface LibC {

    int pipe2(@Out int[] fds, int flags);

    long read(int fd, long buf, long count);

    /**
     * {@code read(2)} straight into a heap buffer, from its position. The array is pinned for
     * the call, which is short: every descriptor Interflux reads this way is non-blocking.
     */
    long read(int fd, @Pinned @Out ByteBuffer buf, long count);

    long write(int fd, long buf, long count);

    /** {@code write(2)} straight from a heap buffer, from its position; pinned for the short, non-blocking call. */
    long write(int fd, @Pinned @jnr.ffi.annotations.In ByteBuffer buf, long count);

    int close(int fd);

    /**
     * {@code poll(2)} on {@code struct pollfd}s laid out as pairs of ints: the descriptor, then
     * {@code events} in the low and {@code revents} in the high half (little-endian). Interflux
     * calls it only with a zero timeout.
     */
    int poll(@Pinned @jnr.ffi.annotations.In @Out int[] fds, long nfds, int timeoutMillis);

    int fcntl(int fd, int cmd, int arg);

    int dup2(int oldfd, int newfd);

    /** {@code ioctl(2)} with an {@code int} out-argument ({@code FIONREAD}). */
    int ioctl(int fd, long request, @Out int[] value);

    int open(String path, int flags, int mode);

    int epoll_create1(int flags);

    int epoll_ctl(int epfd, int op, int fd, long event);

    int epoll_wait(int epfd, long events, int maxEvents, int timeoutMillis);

    int eventfd(int initialValue, int flags);

    int waitpid(int pid, @Out int[] status, int options);

    int kill(int pid, int signal);

    int getpid();

    int geteuid();

    long syscall(long number, long a1, long a2, long a3, long a4);
}
