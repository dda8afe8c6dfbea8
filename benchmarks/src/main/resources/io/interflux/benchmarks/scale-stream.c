/*
 * The far end of one stream of the scale benchmark (ScaleBenchmark): echoes what it reads until
 * the end of its input, then writes BLOCKS blocks of 64 KiB of zeros and exits. One process per
 * stream, no shell and no exec between the two phases, so the streaming phase times the IPC only.
 *
 *   scale-stream BLOCKS            stdin to stdout: a child process's pipes
 *   scale-stream BLOCKS OUT IN     opens the FIFO OUT for writing, then the FIFO IN for reading
 *
 * Built by the benchmark with gcc -O2 into its temporary directory; without gcc it falls back to
 * sh -c 'cat; exec dd if=/dev/zero bs=64k count=BLOCKS'.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char buffer[65536];

static int write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        p += w;
        n -= (size_t) w;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 2 && argc != 4) {
        return 64;
    }
    long blocks = atol(argv[1]);
    int in = 0, out = 1;
    if (argc == 4) {
        out = open(argv[2], O_WRONLY | O_CLOEXEC); /* waits for the reader */
        if (out < 0) {
            return 2;
        }
        in = open(argv[3], O_RDONLY | O_CLOEXEC); /* waits for the writer of pings */
        if (in < 0) {
            return 3;
        }
    }
    for (;;) {
        ssize_t r = read(in, buffer, sizeof buffer);
        if (r == 0) {
            break;
        }
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            return 4;
        }
        if (write_all(out, buffer, (size_t) r) != 0) {
            return 5;
        }
    }
    memset(buffer, 0, sizeof buffer);
    for (long i = 0; i < blocks; i++) {
        if (write_all(out, buffer, sizeof buffer) != 0) {
            return 6;
        }
    }
    return 0;
}
