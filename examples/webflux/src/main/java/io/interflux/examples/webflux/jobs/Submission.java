package io.interflux.examples.webflux.jobs;

/** What became of a posted job, decided at once and without waiting. */
sealed interface Submission {

    /**
     * In the queue.
     *
     * @param id the job's id
     */
    record Accepted(String id) implements Submission {
    }

    /**
     * Not sent: the queue holds {@code capacity} jobs already, the worker is behind.
     *
     * @param capacity the queue's size, in jobs
     */
    record QueueFull(int capacity) implements Submission {
    }

    /**
     * Not sent: larger than a queue message may be.
     *
     * @param size  the job's size as a message, in bytes
     * @param limit the queue's message size
     */
    record TooLarge(int size, int limit) implements Submission {
    }

    /**
     * Not sent, for another reason: the application is closing.
     *
     * @param reason what to tell the client
     */
    record Unavailable(String reason) implements Submission {
    }
}
