package io.interflux.shm;

import io.interflux.InterfluxException;

/**
 * A send waited on a full {@link SharedRing} while no process was receiving from it, for longer
 * than the spec's {@link SharedRingSpec#consumerTimeout(java.time.Duration) consumer timeout}:
 * the consumer died or never came. The records already in the ring stay there for the next one.
 */
public class NoConsumerException extends InterfluxException {

    private static final long serialVersionUID = 1L;

    NoConsumerException(String object, long waitedMillis) {
        super(object + " is full and nobody has received from it for " + waitedMillis
                + " ms: its consumer is gone (or never started); the send gives up", object);
    }
}
