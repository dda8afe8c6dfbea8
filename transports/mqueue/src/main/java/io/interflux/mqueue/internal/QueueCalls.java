package io.interflux.mqueue.internal;

import io.interflux.internal.Native;
import jnr.ffi.LibraryLoader;

/**
 * The bound {@link QueueLib} and the constants of {@code <mqueue.h>} and {@code <sys/msg.h>}
 * (generic Linux values, the same on x86_64 and aarch64).
 */
public final class QueueCalls {

    public static final int IPC_PRIVATE = 0;
    public static final int IPC_CREAT = 01000;
    public static final int IPC_EXCL = 02000;
    public static final int IPC_NOWAIT = 04000;
    public static final int IPC_RMID = 0;
    public static final int IPC_STAT = 2;


    /** {@code sizeof(struct mq_attr)}: four longs and four reserved ones. */
    public static final int MQ_ATTR_SIZE = 64;
    public static final int MQ_ATTR_MAXMSG = 8;
    public static final int MQ_ATTR_MSGSIZE = 16;
    public static final int MQ_ATTR_CURMSGS = 24;

    /** {@code sizeof(struct msqid_ds)} and the offsets read from it (checked against gcc's offsetof). */
    public static final int MSQID_DS_SIZE = 120;
    public static final int MSQID_DS_MODE = 20;
    public static final int MSQID_DS_QNUM = 80;
    public static final int MSQID_DS_QBYTES = 88;

    /** The {@code long mtype} that starts every System V message buffer. */
    public static final int MTYPE_SIZE = 8;

    private QueueCalls() {
    }

    private static final class Holder {
        static final QueueLib LIB;

        static {
            Native.libc(); // refuses unsupported platforms before anything is bound
            LIB = LibraryLoader.create(QueueLib.class).load("c");
        }
    }

    /** The bound library; {@link UnsupportedOperationException} off Linux x86_64/aarch64. */
    public static QueueLib lib() {
        return Holder.LIB;
    }

    /** {@code "O_CREAT|O_EXCL"} style rendering of the creation flags, for error messages. */
    public static String describeOpenFlags(int flags) {
        StringBuilder sb = new StringBuilder((flags & 3) == Native.O_RDWR ? "O_RDWR"
                : (flags & 3) == Native.O_WRONLY ? "O_WRONLY" : "O_RDONLY");
        if ((flags & Native.O_CREAT) != 0) {
            sb.append("|O_CREAT");
        }
        if ((flags & Native.O_EXCL) != 0) {
            sb.append("|O_EXCL");
        }
        return sb.toString();
    }
}
