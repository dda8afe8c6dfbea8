package io.interflux.mqueue.internal;

import jnr.ffi.annotations.Variadic;

/**
 * The C library's message-queue entry points, bound through jnr-ffi: the POSIX {@code mq_*}
 * family (in libc since glibc 2.34) and System V {@code msgget}/{@code msgsnd}/{@code msgrcv}/
 * {@code msgctl}.
 *
 * <p>Pointers are raw {@code long} addresses, as in core's {@code LibC}. Every call returns what
 * C returns ({@code -1} and {@code errno} on failure); jnr saves {@code errno} per thread, so
 * {@link io.interflux.internal.Native#errno()} reads it right after the call.
 */
public interface QueueLib {

    /** {@code mqd_t mq_open(const char *name, int oflag, mode_t mode, struct mq_attr *attr)}: variadic after oflag. */
    @Variadic(fixedCount = 2)
    int mq_open(String name, int oflag, int mode, long attr);

    int mq_send(int mqd, long message, long length, int priority);

    long mq_receive(int mqd, long buffer, long length, long priorityOut);

    int mq_getattr(int mqd, long attr);

    int mq_close(int mqd);

    int mq_unlink(String name);

    int fchmod(int fd, int mode);

    int ftok(String path, int projectId);

    int msgget(int key, int flags);

    int msgsnd(int msqid, long message, long size, int flags);

    long msgrcv(int msqid, long buffer, long size, long type, int flags);

    int msgctl(int msqid, int command, long buffer);
}
