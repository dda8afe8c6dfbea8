package io.interflux.examples.webflux.jobs;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The system's limits on POSIX queues, from {@code /proc/sys/fs/mqueue}: asking for more than
 * {@code msg_max} messages or {@code msgsize_max} bytes fails {@code mq_open} for an unprivileged
 * user, so the application asks for at most these.
 *
 * @param maxMessages    {@code msg_max}
 * @param maxMessageSize {@code msgsize_max}
 */
record QueueLimits(int maxMessages, int maxMessageSize) {

    private static final Path DIR = Path.of("/proc/sys/fs/mqueue");

    /** The limits of this machine; Linux's defaults (10 and 8192) where the files cannot be read. */
    static QueueLimits ofSystem() {
        return new QueueLimits(read("msg_max", 10), read("msgsize_max", 8192));
    }

    /** {@code requested}, lowered to these limits. */
    QueueLimits capped(int requestedMessages, int requestedSize) {
        return new QueueLimits(Math.min(requestedMessages, maxMessages), Math.min(requestedSize, maxMessageSize));
    }

    private static int read(String file, int fallback) {
        // a line read from a stream, not Files.readString: procfs reports size 0, and size-based
        // whole-file reads then return as little as the first byte on some kernels ("1" for 10)
        try (BufferedReader in = Files.newBufferedReader(DIR.resolve(file))) {
            String line = in.readLine();
            return line == null ? fallback : Integer.parseInt(line.trim());
        } catch (IOException | NumberFormatException e) {
            return fallback;
        }
    }
}
