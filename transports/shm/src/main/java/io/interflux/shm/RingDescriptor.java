package io.interflux.shm;

import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The layout of a shared ring's segment and doorbells, precisely enough for a program in another
 * language to speak it. All integers are little-endian (x86_64, aarch64), at their natural
 * alignment; "release" and "acquire" are the C11 orders, "full fence" is
 * {@code atomic_thread_fence(memory_order_seq_cst)}.
 *
 * <pre>
 *  offset  size  field (the segment: /dev/shm/NAME, or the file given)
 *  ------  ----  ------------------------------------------------------------------------------
 *       0     8  magic              "IFXRING1" as bytes: 0x31474E4952584649 read as a u64
 *       8     4  version            1
 *      12     4  ready              0 while the creator initialises; 1, stored with release
 *                                   after every other header field, when the ring may be used
 *      16     4  capacity           bytes of records, a power of two
 *      20     4  producers          1 = one producer (OneToOne), 2 = many (ManyToOne)
 *      24     4  header length      8192: where the records start
 *      28     4  max record payload capacity / 8
 *      32     4  creator pid        informational
 *      64     4  consumer sleeping  1: the consumer sleeps, or is about to, on NAME.bell
 *     128     4  space wanted       1: some producer sleeps, or is about to, on NAME.space
 *     192     4  consumer pid       the receiving process, 0 when none; it holds an OFD write
 *                                   lock (fcntl F_OFD_SETLK) on byte 192 while it receives and
 *                                   stores 0 when it stops. A consumer that finds a pid here has
 *                                   taken over from one that died
 *     256   256  producer slots     64 x u32 pid, 0 = free; producer i holds an OFD write lock
 *                                   on byte 256 + 4i for as long as it may write, and swaps its
 *                                   pid back to 0 when it detaches. A producer takes a slot whose
 *                                   lock it gets and whose claim word is 0; with producers = 1,
 *                                   slot 0 only
 *    4096  4096  claim words        64 x u64, one per producer slot, 64 bytes apart (each its
 *                                   own cache line), at 4096 + 64i: the claim producer i has in
 *                                   flight. 0: none. -1: about to claim (stored with release
 *                                   before the tail compare-and-swap). p + 1: its record at
 *                                   position p is claimed and not yet complete (stored with
 *                                   release once the claim succeeded). 0 again after the record
 *                                   is complete, or when the claim was refused
 *    8192   cap  records            Agrona's record format, below
 *  8192+cap 768  trailer            Agrona's RingBufferDescriptor: tail position (u64) at
 *                                   +128, head cache position at +256, head position at
 *                                   +384, correlation counter at +512, consumer heartbeat at
 *                                   +640 (all from the trailer's start)
 *
 *  record (8-byte aligned, at (position &amp; (capacity - 1)) from the ring's start):
 *       0     4  length             header + payload bytes; negative or 0 while being written,
 *                                   stored with release once the record is complete
 *       4     4  type               &gt;= 1: a message's type; -1: padding to the ring's end, skip
 *       8     n  payload
 * </pre>
 *
 * <p>A producer publishes "about to claim" in its claim word, then claims {@code align(8 + n, 8)}
 * bytes at the tail as Agrona's {@code ManyToOneRingBuffer} does (compare-and-swap of the tail
 * position, a padding record when the claim would cross the ring's end; producers read and
 * refresh the head cache instead of the head where they can), stores the negative length,
 * publishes the record's position in its claim word, writes the payload and type, stores the
 * length with release and clears its claim word. It then checks "consumer sleeping" (after a full fence, at least before it
 * waits or goes idle); when it reads 1 it swaps it to 0 and, if the swap succeeded, writes one
 * byte to the FIFO {@code NAME.bell}.
 *
 * <p>The consumer reads records from the head, zeroes what it read and stores the head position
 * with release (Agrona's {@code read}). Before it sleeps it stores 1 into "consumer sleeping",
 * fences and looks at the head once more. After it frees space it fences and checks "space
 * wanted": on 1 it swaps it to 0, reads {@code NAME.space} empty and writes one byte to it;
 * every producer sleeping there wakes. Producers never read {@code NAME.space}: they wait for it
 * edge-triggered (epoll {@code EPOLLET}), since the byte stays until the next ring; a
 * level-triggered wait would spin, and a read would take the wake-up from the others. A producer
 * that finds the ring full stores 1 into "space wanted", fences and looks at the head position
 * once more before it sleeps.
 *
 * <p>Each writer (a Java send or emitter, a C program's loop) takes a slot of its own, so a claim
 * word always describes one write. A consumer whose head stays stuck on an unfinished record for
 * a second skips it (it turns it into padding) only when no live producer (its slot's lock held)
 * says it is about to claim or names that record (for zeroes at the head: any record below the
 * tail), and there is evidence of a death: a slot whose lock nobody holds names that record or
 * says it was about to claim, or the consumer before it died. A live producer is waited for. When the ring is empty the
 * consumer clears the claim words of dead producers (they name no record then), so their slots
 * can be taken again.
 *
 * <p>The doorbells {@code NAME.bell} and {@code NAME.space} are FIFOs next to the segment, mode
 * 0600 like it, opened {@code O_RDWR | O_NONBLOCK} by every party (so no open ever blocks and no
 * party sees end of file).
 */
public final class RingDescriptor {

    /** "IFXRING1", little-endian. */
    public static final long MAGIC = 0x31474E4952584649L;
    public static final int VERSION = 1;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int READY_OFFSET = 12;
    public static final int CAPACITY_OFFSET = 16;
    public static final int PRODUCERS_OFFSET = 20;
    public static final int HEADER_LENGTH_OFFSET = 24;
    public static final int MAX_PAYLOAD_OFFSET = 28;
    public static final int CREATOR_PID_OFFSET = 32;
    public static final int CONSUMER_SLEEPING_OFFSET = 64;
    public static final int SPACE_WANTED_OFFSET = 128;
    public static final int CONSUMER_PID_OFFSET = 192;
    public static final int PRODUCER_SLOTS_OFFSET = 256;
    public static final int PRODUCER_SLOTS = 64;
    /** Where the claim words start, and how far apart they are. */
    public static final int CLAIMS_OFFSET = 4096;
    public static final int CLAIM_STRIDE = 64;
    /** A claim word's "about to claim". */
    public static final long CLAIMING = -1L;

    /** Where the records start. */
    public static final int HEADER_LENGTH = 8192;
    /** Agrona's trailer after the records. */
    public static final int TRAILER_LENGTH = RingBufferDescriptor.TRAILER_LENGTH;
    public static final int RECORD_HEADER_LENGTH = RecordDescriptor.HEADER_LENGTH;
    public static final int PADDING_TYPE = -1;

    public static final int ONE_PRODUCER = 1;
    public static final int MANY_PRODUCERS = 2;

    /** The smallest and largest capacity a ring may have. */
    public static final int MIN_CAPACITY = 1024;
    public static final int MAX_CAPACITY = 1 << 30;

    private RingDescriptor() {
    }

    /** The segment's size for {@code capacity} bytes of records. */
    public static long segmentSize(int capacity) {
        return (long) HEADER_LENGTH + capacity + TRAILER_LENGTH;
    }

    /** The byte a producer of {@code slot} holds its lock on, and its pid word. */
    public static int producerSlotOffset(int slot) {
        return PRODUCER_SLOTS_OFFSET + 4 * slot;
    }

    /** The claim word of producer {@code slot}. */
    public static int claimOffset(int slot) {
        return CLAIMS_OFFSET + CLAIM_STRIDE * slot;
    }

    /** The largest payload a ring of {@code capacity} takes. */
    public static int maxPayload(int capacity) {
        return capacity >> 3;
    }

    static int producersCode(Producers producers) {
        return producers == Producers.ONE ? ONE_PRODUCER : MANY_PRODUCERS;
    }
}
