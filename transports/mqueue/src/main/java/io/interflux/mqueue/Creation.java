package io.interflux.mqueue;

/** Whether opening a queue may create it. */
public enum Creation {

    /** Open the queue, creating it when it does not exist (the default). */
    OPEN_OR_CREATE,

    /** Create the queue; fail with {@code EEXIST} when it already exists. */
    CREATE_NEW,

    /** Open an existing queue; fail with {@code ENOENT} when there is none. */
    OPEN_EXISTING
}
