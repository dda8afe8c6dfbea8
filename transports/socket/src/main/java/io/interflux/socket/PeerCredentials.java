package io.interflux.socket;

/**
 * Who is at the other end of a Unix-socket connection, as the kernel says ({@code SO_PEERCRED}):
 * the process id, user id and group id it had when it connected (or, for a client, when the
 * server called {@code listen}).
 */
public final class PeerCredentials {

    private final int pid;
    private final int uid;
    private final int gid;

    PeerCredentials(int pid, int uid, int gid) {
        this.pid = pid;
        this.uid = uid;
        this.gid = gid;
    }

    /** The peer's process id. */
    public int pid() {
        return pid;
    }

    /** The peer's user id. */
    public int uid() {
        return uid;
    }

    /** The peer's group id. */
    public int gid() {
        return gid;
    }

    /** Whether the peer runs as this process's (effective) user: the usual {@code requirePeer} rule. */
    public boolean sameUser() {
        return uid == io.interflux.internal.Native.libc().geteuid();
    }

    @Override
    public String toString() {
        return "PeerCredentials[pid " + pid + ", uid " + uid + ", gid " + gid + "]";
    }
}
