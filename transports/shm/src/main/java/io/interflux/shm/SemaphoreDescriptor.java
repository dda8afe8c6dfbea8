package io.interflux.shm;

/**
 * The layout of a {@link SharedSemaphore}'s file and of the System V semaphore set it names,
 * precisely enough for a program in another language to take and give back the same permits.
 * Integers are little-endian (x86_64, aarch64) at their natural alignment.
 *
 * <pre>
 *  offset  size  field (the file: /dev/shm/NAME, or the file given)
 *  ------  ----  -------------------------------------------------------------------------------
 *       0     8  magic          "IFXSEMA1" as bytes: 0x31414D4553584649 read as a u64
 *       8     4  version        1
 *      12     4  ready          0 while the creator initialises; 1, stored with release after
 *                               every other field and after the set's values are set
 *      16     4  semid          the System V semaphore set (made with IPC_PRIVATE, 2 semaphores),
 *                               stored as soon as the set exists: a creator killed before ready
 *                               leaves the id for ipcrm
 *      20     4  permits        how many permits the semaphore has, 1 to SEMVMX (32767)
 *      24     4  creator pid    informational
 *      40     4  remove pending 1: the creator disposed asking for removal while others were
 *                               open; the last opening to leave removes the set and the file
 *      64     4  holder pid     permits = 1 only: the process holding the lock, 0 when none
 *    2^40     1  presence       not data, far beyond the end: every opening holds an OFD read
 *                               lock on this byte while it is open; one that gets the write
 *                               lock is the only one left
 *
 *  the set:
 *   semaphore 0  free permits; starts at permits. Taken with sem_op -1, given back with +1,
 *                both with SEM_UNDO (and IPC_NOWAIT), so the kernel gives back what a process
 *                that dies (even by SIGKILL) still held
 *   semaphore 1  permits = 1 only: 1 while a holder has the lock, more when holders died with
 *                it. Raised by 1 without SEM_UNDO in the same semop that takes semaphore 0, and
 *                lowered by 1 in the same semop that gives it back; a death leaves its 1 behind
 * </pre>
 *
 * <p>Taking a lock is first one semop of three operations, all IPC_NOWAIT: semaphore 0 by -1
 * (SEM_UNDO), semaphore 1 tested for 0, semaphore 1 by +1. When that is refused, the same
 * without the test: refused again, the lock is held; taken, a holder died with it. That holder
 * then reads semaphore 1 (GETVAL), knows from a value above 1 that a previous holder died
 * holding the lock (the holder pid still names it, when it had been written), and lowers
 * semaphore 1 back to 1. A holder stores its pid after taking the lock and 0 before giving it
 * back. Of a semaphore with several permits, the kernel gives a dead
 * process's permits back in the same way; who died is not recorded.
 */
public final class SemaphoreDescriptor {

    public static final long MAGIC = 0x31414D4553584649L;
    public static final int VERSION = 1;
    public static final int SEMID_OFFSET = 16;
    public static final int PERMITS_OFFSET = 20;
    public static final int CREATOR_PID_OFFSET = 24;
    public static final int REMOVE_PENDING_OFFSET = SegmentFile.REMOVE_PENDING_OFFSET;
    public static final long PRESENCE_OFFSET = SegmentFile.PRESENCE_OFFSET;
    public static final int HOLDER_PID_OFFSET = 64;
    public static final int LENGTH = 128;
    /** The semaphore of free permits. */
    public static final int FREE = 0;
    /** A lock's holder count, without undo. */
    public static final int HELD = 1;

    private SemaphoreDescriptor() {
    }
}
