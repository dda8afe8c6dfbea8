package io.interflux.shm;

import io.interflux.InterfluxException;

/**
 * A {@link SharedRing}'s receive met what no producer following {@link RingDescriptor} writes: a
 * record whose length is shorter than its header or runs past the ring's end or its tail, a type
 * of 0 or below that is not padding, a head that is not 8-byte aligned or past the tail. Another
 * process wrote into the segment outside the protocol (a bug, or hostility), so nothing after
 * that point can be trusted: the receive fails with this, having delivered every well-formed
 * record before it, and leaves the ring as it found it from that record on.
 */
public class CorruptRingException extends InterfluxException {

    private static final long serialVersionUID = 1L;

    CorruptRingException(String object, long position, String what) {
        super(object + ": " + what + " at position " + position
                + ", which no producer following the ring's layout writes; the ring was written outside its protocol", object);
    }
}
