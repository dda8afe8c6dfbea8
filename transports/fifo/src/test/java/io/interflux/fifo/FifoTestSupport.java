package io.interflux.fifo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Small helpers the FIFO tests share. */
final class FifoTestSupport {

    private FifoTestSupport() {
    }

    /** The descriptors this JVM has open, by number. */
    static Set<String> openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            Set<String> names = new TreeSet<>();
            fds.forEach(p -> names.add(p.getFileName().toString()));
            return names;
        }
    }

    /** The descriptors of this JVM that point at {@code path}. */
    static long fdsOn(Path path) throws IOException {
        long n = 0;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : (Iterable<Path>) fds::iterator) {
                try {
                    if (Files.readSymbolicLink(p).toString().startsWith(path.toString())) {
                        n++;
                    }
                } catch (IOException gone) {
                    // closed while listing
                }
            }
        }
        return n;
    }

    static byte[] line(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
