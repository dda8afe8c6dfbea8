package io.interflux.shm;

/**
 * The layout of a {@link SharedValues} segment, precisely enough for a program in another
 * language to use the same values. Integers are little-endian (x86_64, aarch64) at their natural
 * alignment.
 *
 * <pre>
 *  offset  size   field (the segment: /dev/shm/NAME, or the file given)
 *  ------  -----  -----------------------------------------------------------------------------
 *       0      8  magic          "IFXVALS1" as bytes: 0x31534C4156584649 read as a u64
 *       8      4  version        1
 *      12      4  ready          0 while the creator initialises; 1, stored with release after
 *                                every other header field, when the values may be used
 *      16      4  slots          how many 8-byte slots follow
 *      20      4  creator pid    informational
 *      40      4  remove pending 1: the creator disposed asking for removal while others were
 *                                open; the last opening to leave removes the segment
 *      64   8 x n slot i at 64 + 8i: a 64-bit value, or a 32-bit one in its first 4 bytes
 *
 *  2^40       1  presence       not data, far beyond the end: every opening holds an OFD read
 *                                lock (fcntl F_OFD_SETLK, F_RDLCK) on this byte while it is open;
 *                                one that gets the write lock is the only one left
 * </pre>
 *
 * <p>Every slot starts at 0. An atomic operation from C is the matching {@code __atomic} builtin
 * with {@code __ATOMIC_SEQ_CST} on the slot's address ({@code lock xadd}, {@code lock cmpxchg}
 * on x86_64), which is what the JVM emits for {@link SharedLong} and {@link SharedInt}.
 */
public final class ValuesDescriptor {

    public static final long MAGIC = 0x31534C4156584649L;
    public static final int VERSION = 1;
    public static final int SLOTS_OFFSET = 16;
    public static final int CREATOR_PID_OFFSET = 20;
    public static final int REMOVE_PENDING_OFFSET = SegmentFile.REMOVE_PENDING_OFFSET;
    public static final long PRESENCE_OFFSET = SegmentFile.PRESENCE_OFFSET;
    public static final int FIRST_SLOT_OFFSET = 64;
    public static final int SLOT_LENGTH = 8;
    /** The most slots a segment holds: 8 MiB of values. */
    public static final int MAX_SLOTS = 1 << 20;

    private ValuesDescriptor() {
    }

    /** The offset of slot {@code index}. */
    public static int slotOffset(int index) {
        return FIRST_SLOT_OFFSET + SLOT_LENGTH * index;
    }

    /** The size of a segment of {@code slots} slots. */
    public static long segmentSize(int slots) {
        return slotOffset(slots);
    }
}
