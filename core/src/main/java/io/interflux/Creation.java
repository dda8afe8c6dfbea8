package io.interflux;

/**
 * Whether opening a named object (a FIFO, a POSIX or System V queue) may create it. Every spec of
 * a named object takes it as {@code creation(...)}, with {@link #OPEN_OR_CREATE} by default.
 */
public enum Creation {

    /** Open the object, creating it when it does not exist (the default). */
    OPEN_OR_CREATE,

    /** Create the object; fail with {@code EEXIST} when it already exists. */
    CREATE_NEW,

    /** Open an existing object; fail with {@code ENOENT} when there is none. */
    OPEN_EXISTING
}
