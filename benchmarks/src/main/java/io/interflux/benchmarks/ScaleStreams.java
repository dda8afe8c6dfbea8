package io.interflux.benchmarks;

/**
 * The N streams of one mechanism as one implementation opens them in a {@link ScaleRun}: every
 * byte it reads on stream {@code i} goes to {@link ScaleMeter#received(int, int)}, the end of
 * stream {@code i} to {@link ScaleMeter#ended(int)}, a failure to {@link ScaleMeter#failed(int, Throwable)}.
 * The far end of each stream echoes pings, and streams its share once told to.
 */
interface ScaleStreams extends AutoCloseable {

    /** Opens the N streams and starts reading them; returns once all are open. */
    void open(ScaleMeter meter) throws Exception;

    /**
     * Writes {@code message} (64 bytes) towards stream {@code i}'s far end, which echoes it on
     * stream {@code i}; false when the endpoint is full right now and nothing was written.
     * Called by one thread.
     */
    boolean ping(int i, byte[] message) throws Exception;

    /** Tells every stream's far end to stream its share of the throughput phase. */
    void stream() throws Exception;

    /** Releases every stream; the far ends may still be running. */
    @Override
    void close() throws Exception;

    /** The implementation {@code impl} of {@code mechanism}; {@code where} names the far side (a directory, a queue, a socket). */
    static ScaleStreams create(String mechanism, String impl, ScaleWorkload workload, String where) {
        switch (mechanism) {
            case "pipe":
                return ScalePipes.create(impl, workload, where);
            case "fifo":
                return ScaleFifos.create(impl, workload, java.nio.file.Path.of(where));
            case "posix-mq":
                return ScaleQueues.create(impl, workload, where);
            case "unix":
                return ScaleSockets.create(impl, workload, java.nio.file.Path.of(where));
            default:
                throw new IllegalArgumentException("pipe, fifo, posix-mq or unix required but it was " + mechanism);
        }
    }
}
