package io.interflux.shm;

/** How many processes (and threads) may write into a {@link SharedRing} at once; fixed when the ring is created. */
public enum Producers {

    /**
     * One producer: one process holds the ring's only producer slot, and within it one send (or
     * emission) runs at a time. Writes need no compare-and-swap (Agrona's
     * {@code OneToOneRingBuffer}); the fastest mode.
     */
    ONE,

    /**
     * Many producers: up to {@value RingDescriptor#PRODUCER_SLOTS} processes, each with any number of
     * concurrent sends, claim space with a compare-and-swap on the tail (Agrona's
     * {@code ManyToOneRingBuffer}). The default: concurrent writers cannot corrupt the ring.
     */
    MANY
}
