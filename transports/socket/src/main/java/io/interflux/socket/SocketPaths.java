package io.interflux.socket;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;

/** Unix socket paths: validated once, as every named object's path is. */
final class SocketPaths {

    /** {@code sizeof(sun_path)} less its terminating NUL. */
    static final int MAX_PATH = 107;

    private SocketPaths() {
    }

    /**
     * An abstract-namespace address: no file, so no permissions, nothing to remove, and any
     * process of the same network namespace may connect (use {@code requirePeer}).
     */
    /**
     * Every Unix-socket spec is made through here, on the caller's thread: the libc binding is
     * loaded now (it reads files), never first on an event loop where BlockHound refuses that.
     */
    private static void bindLibc() {
        io.interflux.internal.Native.libc();
    }

    static SocketAddress abstractAddress(String name) {
        return new io.netty.channel.unix.DomainSocketAddress("\0" + name);
    }

    static String validateAbstract(String name) {
        Objects.requireNonNull(name, "name");
        bindLibc();
        int length = name.getBytes(StandardCharsets.UTF_8).length;
        if (length == 0 || length > MAX_PATH || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("an abstract Unix socket name holds 1 to " + MAX_PATH
                    + " bytes and no NUL, but it was \"" + name + "\" (" + length + " bytes)");
        }
        return name;
    }

    static Path validate(Path path) {
        Objects.requireNonNull(path, "path");
        bindLibc();
        for (Path part : path) {
            if (part.toString().equals("..")) {
                throw new IllegalArgumentException("a Unix socket's path may not contain \"..\" but it was " + path);
            }
        }
        if (path.getFileName() == null) {
            throw new IllegalArgumentException("a Unix socket's path names a file, but it was " + path);
        }
        Path absolute = path.toAbsolutePath();
        int length = absolute.toString().getBytes(StandardCharsets.UTF_8).length;
        if (length > MAX_PATH) {
            throw new IllegalArgumentException("a Unix socket's path holds at most " + MAX_PATH + " bytes but "
                    + absolute + " has " + length);
        }
        return absolute;
    }
}
