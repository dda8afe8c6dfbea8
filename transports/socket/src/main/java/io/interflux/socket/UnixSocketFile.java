package io.interflux.socket;

import io.interflux.IpcException;
import io.interflux.internal.Errno;
import io.interflux.internal.Native;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * The file of a listening Unix socket, made as private as asked with no moment where it is
 * wider: the socket is bound inside a fresh {@code 0700} directory next to the path, given its
 * mode there, and only then linked to the path ({@code link(2)}, which fails rather than replace
 * anything that appeared meanwhile). The umask is never touched: it is process-wide.
 *
 * <p>What is at the path first decides: nothing is fine; a symbolic link, or anything that is not
 * a socket, is refused; a socket of another user is refused; a socket of this user that nobody
 * listens on (a connect is refused) is stale and is removed; one that answers is in use and is
 * refused.
 */
final class UnixSocketFile {

    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    final Path path;
    /** The private directory the socket is bound in. */
    final Path dir;
    /** Where the socket is bound: inside {@link #dir}. */
    final Path bindPath;
    /** The socket file's identity once it is in place, so dispose removes this file only. */
    private Object key;

    private UnixSocketFile(Path path, Path dir) {
        this.path = path;
        this.dir = dir;
        this.bindPath = dir.resolve("s");
    }

    /** Checks what is at {@code path} (reclaiming a stale socket) and makes the private directory. */
    static UnixSocketFile prepare(Path path) {
        try {
            Map<String, Object> at = Files.readAttributes(path, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) at.get("mode");
            if (Files.isSymbolicLink(path)) {
                throw new IpcException("bind", path.toString(), Errno.ELOOP,
                        "the path is a symbolic link, which a Unix socket is never bound through");
            }
            if ((mode & S_IFMT) != S_IFSOCK) {
                throw new IllegalStateException("cannot bind a Unix socket at " + path
                        + ": it exists and is not a socket (mode 0" + Integer.toOctalString(mode) + ")");
            }
            int uid = (Integer) at.get("uid");
            if (uid != Native.libc().geteuid()) {
                throw new IllegalStateException("cannot bind a Unix socket at " + path
                        + ": a socket of uid " + uid + " is there, not this user's");
            }
            if (listening(path)) {
                throw new IllegalStateException("cannot bind a Unix socket at " + path
                        + ": another server is listening on it");
            }
            Files.deleteIfExists(path); // stale: nobody listens
        } catch (NoSuchFileException absent) {
            // the usual case
        } catch (IOException e) {
            throw new IllegalStateException("cannot look at " + path + ": " + e, e);
        }
        try {
            Path dir = Files.createTempDirectory(path.toAbsolutePath().getParent(), "." + path.getFileName() + ".",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            return new UnixSocketFile(path, dir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot make a private directory next to " + path + ": " + e, e);
        }
    }

    /** Whether a server answers at {@code path}; a refused connect means a stale file. */
    private static boolean listening(Path path) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return probe.connect(UnixDomainSocketAddress.of(path));
        } catch (IOException refused) {
            return false;
        }
    }

    /**
     * After the bind: gives the socket exactly {@code mode}, links it to the path and removes the
     * private directory.
     */
    void publish(int mode) {
        try {
            Files.setPosixFilePermissions(bindPath, PosixFilePermissions.fromString(permissions(mode)));
            try {
                Files.createLink(path, bindPath);
            } catch (FileAlreadyExistsException e) {
                throw new IllegalStateException("cannot bind a Unix socket at " + path
                        + ": something appeared there while binding", e);
            }
            key = Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            throw new IllegalStateException("cannot put the Unix socket in place at " + path + ": " + e, e);
        } finally {
            removeDir();
        }
    }

    /** Removes the private directory and what is in it; quietly. */
    void removeDir() {
        try {
            Files.deleteIfExists(bindPath);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // best effort: a leftover empty 0700 directory harms nobody
        }
    }

    /** Removes the socket file, when it is still the one this server put there. */
    void remove() {
        try {
            Object now = Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).fileKey();
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
