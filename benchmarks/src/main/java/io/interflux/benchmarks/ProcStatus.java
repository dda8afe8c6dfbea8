package io.interflux.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This JVM's thread count and resident memory, from {@code /proc/self/status}: {@code Threads}
 * (every kernel thread of the process: Java threads, the JIT's and the collector's), {@code VmRSS}
 * (resident now) and {@code VmHWM} (the most it has been resident). Read line by line: a procfs
 * file must not be read by its size, which it reports as 0.
 */
final class ProcStatus {

    private static final Path STATUS = Path.of("/proc/self/status");

    final int threads;
    final long rssKb;
    final long hwmKb;

    private ProcStatus(int threads, long rssKb, long hwmKb) {
        this.threads = threads;
        this.rssKb = rssKb;
        this.hwmKb = hwmKb;
    }

    static ProcStatus read() {
        int threads = -1;
        long rss = -1;
        long hwm = -1;
        try (BufferedReader in = Files.newBufferedReader(STATUS, StandardCharsets.US_ASCII)) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("Threads:")) {
                    threads = Integer.parseInt(value(line));
                } else if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(value(line));
                } else if (line.startsWith("VmHWM:")) {
                    hwm = Long.parseLong(value(line));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + STATUS, e);
        }
        if (threads < 0 || rss < 0 || hwm < 0) {
            throw new IllegalStateException(STATUS + " lacks Threads, VmRSS or VmHWM");
        }
        return new ProcStatus(threads, rss, hwm);
    }

    /** {@code "VmRSS:\t  146000 kB"} -> {@code "146000"}. */
    private static String value(String line) {
        String v = line.substring(line.indexOf(':') + 1).trim();
        int space = v.indexOf(' ');
        return space < 0 ? v : v.substring(0, space);
    }

    /** The highest thread count and resident size seen over many reads. */
    static final class Peak {
        private int threads;
        private long rssKb;
        private long hwmKb;

        /** Reads the status now and keeps the highs; returns what it read. */
        ProcStatus sample() {
            ProcStatus s = read();
            threads = Math.max(threads, s.threads);
            rssKb = Math.max(rssKb, s.rssKb);
            hwmKb = Math.max(hwmKb, s.hwmKb);
            return s;
        }

        int threads() {
            return threads;
        }

        /** The kernel's own high-water mark, which also catches peaks between two samples. */
        long hwmKb() {
            return Math.max(hwmKb, rssKb);
        }
    }
}
