package io.interflux;

/**
 * What an endpoint on a named object does with it, and so the access it opens the object with:
 * the kernel checks the object's mode against exactly that, as it does for {@code cat} or
 * {@code mq_open(O_WRONLY)}. A producer that may only write a queue of mode {@code 0622} opens
 * it with {@link #SEND}.
 */
public enum Access {
    /** Receive only: opened for reading ({@code O_RDONLY}). */
    RECEIVE,
    /** Send only: opened for writing ({@code O_WRONLY}). */
    SEND,
    /** Both: opened for reading and writing ({@code O_RDWR}). */
    SEND_AND_RECEIVE;

    /** Whether an endpoint with this access may receive. */
    public boolean receives() {
        return this != SEND;
    }

    /** Whether an endpoint with this access may send. */
    public boolean sends() {
        return this != RECEIVE;
    }
}
