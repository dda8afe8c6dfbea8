package io.interflux.mqueue.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The kernel's message-queue limits, read from {@code /proc} when a queue is opened (they are
 * sysctls an administrator may change at any time, so they are never cached).
 */
public final class SystemLimits {

    /** Most messages a POSIX queue may hold. */
    public static final Path MQ_MSG_MAX = Path.of("/proc/sys/fs/mqueue/msg_max");
    /** Largest message size a POSIX queue may have. */
    public static final Path MQ_MSGSIZE_MAX = Path.of("/proc/sys/fs/mqueue/msgsize_max");
    /** The capacity of a POSIX queue created without attributes. */
    public static final Path MQ_MSG_DEFAULT = Path.of("/proc/sys/fs/mqueue/msg_default");
    /** The message size of a POSIX queue created without attributes. */
    public static final Path MQ_MSGSIZE_DEFAULT = Path.of("/proc/sys/fs/mqueue/msgsize_default");
    /** Largest System V message. */
    public static final Path MSGMAX = Path.of("/proc/sys/kernel/msgmax");

    private SystemLimits() {
    }

    /** The number in a one-line {@code /proc} file, or {@code fallback} when the file does not exist. */
    public static long read(Path file, long fallback) {
        // a stream read to the end: procfs reports size 0, which trips size-based whole-file reads
        try (java.io.BufferedReader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
            String line = in.readLine();
            if (line == null) {
                throw new IOException("empty");
            }
            return Long.parseLong(line.trim());
        } catch (NoSuchFileException e) {
            return fallback;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
