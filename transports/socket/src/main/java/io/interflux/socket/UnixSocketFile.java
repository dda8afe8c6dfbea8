package io.interflux.socket;

import io.interflux.IpcException;
import io.interflux.internal.Errno;
import io.interflux.internal.Native;
import io.interflux.socket.internal.SocketLibC;

import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * The file of a bound Unix socket, made as private as asked with no moment where it is wider,
 * without touching the process-wide umask.
 *
 * <p>A stream server's socket is bound inside a fresh {@code 0700} directory next to the path
 * ({@code .ifx-XXXXXXXX}), given its mode there, and only then linked to the path
 * ({@code link(2)}, which fails rather than replace anything that appeared meanwhile); the
 * kernel's own name for it stays the private one ({@code ss -x} shows it). A datagram socket,
 * whose path is its address for replies, is given its mode with {@code fchmod} before
 * {@code bind}, at the path itself (the bind then applies the umask, which only narrows; a
 * {@code chmod} after restores exactly the mode asked for, a widening at most).
 *
 * <p>What is at the path first decides: nothing is fine; a symbolic link, or anything that is not
 * a socket, is refused; a socket of another user is refused; a socket that answers a
 * non-blocking connect, or is busy, or is of the other type, is in use and is refused; one whose
 * connect is refused ({@code ECONNREFUSED}: nobody is bound to it) is stale and is removed.
 */
final class UnixSocketFile {

    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    /** What a stream server's private directory adds to the path: {@code /.ifx-XXXXXXXX/s} less the name. */
    static final int PRIVATE_DIR_EXTRA = "/.ifx-00000000/s".length();

    final Path path;
    /** The private directory a stream socket is bound in, or {@code null} for a datagram socket. */
    final Path dir;
    /** Where the socket is bound. */
    final Path bindPath;
    /** The socket file's identity once it is in place, so dispose removes this file only. */
    private Object key;

    private UnixSocketFile(Path path, Path dir) {
        this.path = path;
        this.dir = dir;
        this.bindPath = dir != null ? dir.resolve("s") : path;
    }

    /**
     * Checks what is at {@code path} (reclaiming a stale socket) and, for a stream socket, makes
     * the private directory. Makes file system calls: run it where blocking is allowed.
     */
    static UnixSocketFile prepare(Path path, boolean stream) {
        if (stream && path.getParent().toString().getBytes(StandardCharsets.UTF_8).length + PRIVATE_DIR_EXTRA
                > SocketPaths.MAX_PATH) {
            throw new IllegalArgumentException("a Unix stream server's directory holds at most "
                    + (SocketPaths.MAX_PATH - PRIVATE_DIR_EXTRA) + " bytes (the socket is bound in a private "
                    + "directory inside it first), but " + path.getParent() + " is longer");
        }
        reclaim(path, stream);
        if (!stream) {
            return new UnixSocketFile(path, null);
        }
        for (int attempt = 0; ; attempt++) {
            Path dir = path.getParent().resolve(String.format(".ifx-%08x", ThreadLocalRandom.current().nextInt()));
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                return new UnixSocketFile(path, dir);
            } catch (FileAlreadyExistsException taken) {
                if (attempt == 10) {
                    throw new IllegalStateException("cannot make a private directory next to " + path, taken);
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot make a private directory next to " + path + ": " + e, e);
            }
        }
    }

    private static void reclaim(Path path, boolean stream) {
        Map<String, Object> at;
        try {
            at = Files.readAttributes(path, "unix:mode,uid,fileKey", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException absent) {
            return;
        } catch (IOException e) {
            throw new IllegalStateException("cannot look at " + path + ": " + e, e);
        }
        int mode = (Integer) at.get("mode");
        if ((mode & S_IFMT) == 0120000) {
            throw new IpcException("bind", path.toString(), Errno.ELOOP,
                    "the path is a symbolic link, which a Unix socket is never bound through");
        }
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IpcException("bind", path.toString(), Errno.EADDRINUSE,
                    "it exists and is not a socket (mode 0" + Integer.toOctalString(mode) + "), so it is left alone");
        }
        int uid = (Integer) at.get("uid");
        if (uid != Native.libc().geteuid()) {
            throw new IpcException("bind", path.toString(), Errno.EADDRINUSE,
                    "a socket of uid " + uid + " is there, not this user's, so it is left alone");
        }
        int errno = probe(path, stream);
        if (errno != Errno.ECONNREFUSED) {
            throw new IpcException("bind", path.toString(), Errno.EADDRINUSE, errno == 0 || errno == Errno.EAGAIN
                    ? "another socket is listening on it" : errno == Errno.EPROTOTYPE
                    ? "a socket of the other type (stream or datagram) is bound to it"
                    : "it may be in use: a connect to it failed with " + Native.errnoName(errno));
        }
        try {
            // stale; removed only if it is still the file looked at
            Object key = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            if (key.equals(at.get("fileKey"))) {
                Files.delete(path);
            }
        } catch (IOException gone) {
            // removed meanwhile: the bind decides
        }
    }

    /** A non-blocking connect of the same type: 0 when it answered, else its errno. */
    private static int probe(Path path, boolean stream) {
        SocketLibC lib = SocketLibC.get();
        int fd = lib.socket(SocketLibC.AF_UNIX, (stream ? SocketLibC.SOCK_STREAM : SocketLibC.SOCK_DGRAM)
                | SocketLibC.SOCK_NONBLOCK | SocketLibC.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw IpcException.fromErrno("socket", "AF_UNIX, to look at " + path, Native.errno());
        }
        try {
            ByteBuffer addr = ByteBuffer.allocateDirect(SocketLibC.SOCKADDR_UN_SIZE).order(ByteOrder.nativeOrder());
            byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
            addr.putShort(0, (short) SocketLibC.AF_UNIX);
            for (int i = 0; i < name.length; i++) {
                addr.put(2 + i, name[i]);
            }
            addr.put(2 + name.length, (byte) 0);
            return lib.connect(fd, Native.address(addr), 2 + name.length + 1) == 0 ? 0 : Native.errno();
        } finally {
            Native.libc().close(fd);
        }
    }

    /**
     * After the bind: gives the socket exactly {@code mode} and, for a stream socket, links it to
     * the path and removes the private directory. Makes file system calls: run it where blocking
     * is allowed.
     */
    void publish(int mode) {
        try {
            Files.setPosixFilePermissions(bindPath, PosixFilePermissions.fromString(permissions(mode)));
            if (dir != null) {
                try {
                    Files.createLink(path, bindPath);
                } catch (FileAlreadyExistsException e) {
                    throw new IpcException("link", bindPath + " to " + path, Errno.EEXIST,
                            "something appeared at " + path + " while the socket was being bound");
                }
            }
            key = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            throw new IllegalStateException("cannot put the Unix socket in place at " + path + ": " + e, e);
        } finally {
            removeDir();
        }
    }

    /**
     * {@link #prepare} for {@code path} on a worker (the checks may block; host lookups after it
     * then run there too); empty for a socket without a file: TCP, UDP, an abstract name.
     */
    static Mono<Optional<UnixSocketFile>> prepareOnWorker(Path path, boolean stream) {
        return Mono.fromCallable(() -> Optional.ofNullable(path != null ? prepare(path, stream) : null))
                .subscribeOn(Schedulers.boundedElastic());
    }

    /**
     * A bind followed, on a worker, by {@link #publish} of {@code file} (none for a socket
     * without one) and {@code wrap} of what was bound; a failed publish disposes the bound socket.
     * The private directory goes when the bind fails or is cancelled.
     */
    static <B extends Disposable, R> Mono<R> publishAfter(Mono<? extends B> bind, UnixSocketFile file, int mode,
                                                          Function<B, R> wrap) {
        return bind
                .publishOn(Schedulers.boundedElastic()) // the file's chmod and link, off the event loop
                .map(bound -> {
                    if (file != null) {
                        try {
                            file.publish(mode);
                        } catch (RuntimeException e) {
                            bound.dispose();
                            throw e;
                        }
                    }
                    return wrap.apply(bound);
                })
                .doOnError(e -> removeDir(file))
                .doOnCancel(() -> removeDir(file));
    }

    private static void removeDir(UnixSocketFile file) {
        if (file != null) {
            file.removeDir();
        }
    }

    /** Removes the private directory and what is in it; quietly. */
    void removeDir() {
        if (dir == null) {
            return;
        }
        try {
            Files.deleteIfExists(bindPath);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // best effort: a leftover empty 0700 directory harms nobody
        }
    }

    /** Removes the socket file, when it is still the one this socket put there. */
    void remove() {
        try {
            Object now = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            if (key != null && key.equals(now)) {
                Files.delete(path);
            }
        } catch (IOException e) {
            // gone already
        }
    }

    static String permissions(int mode) {
        StringBuilder b = new StringBuilder(9);
        String rwx = "rwx";
        for (int i = 8; i >= 0; i--) {
            b.append((mode & (1 << i)) != 0 ? rwx.charAt(2 - i % 3) : '-');
        }
        return b.toString();
    }
}
