/*
 * A producer on an Interflux shared ring, written from RingDescriptor's javadoc and Agrona's
 * ManyToOneRingBuffer (claimCapacity, write), sharing no code with either.
 *
 *   ring_producer produce NAME COUNT BURST
 *       writes records 0 .. COUNT-1 (see payload_of, type_of); with BURST > 0, before every
 *       BURST records it waits until the consumer says it sleeps, so that each burst has to ring
 *       the doorbell to be seen; prints "attached slot S" first and "wrote COUNT rang R" last
 *   ring_producer hang NAME none|reserved|header|stall
 *       claims one record of 100 bytes of payload (type 7, every byte 0x5a) and stops before
 *       committing it: "reserved" right after the compare-and-swap of the tail (the length is
 *       still 0), "header" after the negative length, the type and half the payload; prints
 *       "claimed INDEX" and pauses until killed. "none" claims no record ("claimed none") and
 *       pauses. "stall" stops as "header" does, but only until a line arrives on stdin: then it
 *       finishes and commits the record, prints "committed INDEX" and detaches.
 *
 * Exit status 2 for a failed system call, 3 for a segment that is not what RingDescriptor says.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* the header page (RingDescriptor) */
#define MAGIC 0x31474E4952584649ULL /* "IFXRING1" little-endian */
#define VERSION 1
#define MAGIC_OFFSET 0
#define VERSION_OFFSET 8
#define READY_OFFSET 12
#define CAPACITY_OFFSET 16
#define PRODUCERS_OFFSET 20
#define HEADER_LENGTH_OFFSET 24
#define MAX_PAYLOAD_OFFSET 28
#define CONSUMER_SLEEPING_OFFSET 64
#define PRODUCER_SLOTS_OFFSET 256
#define PRODUCER_SLOTS 64
#define CLAIMS_OFFSET 4096
#define CLAIM_STRIDE 64
#define CLAIMING (-1LL)
#define HEADER_LENGTH 8192
#define MANY_PRODUCERS 2

/* Agrona's trailer after the records (RingBufferDescriptor) and its records (RecordDescriptor) */
#define TRAILER_LENGTH 768
#define TAIL_POSITION_OFFSET 128
#define HEAD_CACHE_POSITION_OFFSET 256
#define HEAD_POSITION_OFFSET 384
#define RECORD_HEADER_LENGTH 8
#define ALIGNMENT 8
#define PADDING_TYPE (-1)
#define INSUFFICIENT_CAPACITY (-2)

static uint8_t *header;
static uint8_t *records;
static int64_t *tail_position;
/* our slot's claim word: the claim we have in flight */
static int64_t *claim_word;
static int64_t *head_cache_position;
static int64_t *head_position;
static int32_t capacity;
static int32_t max_payload;
static int segment_fd;
static int bell_fd;
static int slot = -1;
static long rang;

static void fail(const char *what) {
    fprintf(stderr, "ring_producer: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void refuse(const char *why) {
    fprintf(stderr, "ring_producer: %s\n", why);
    exit(3);
}

static int32_t *header_int(int offset) {
    return (int32_t *) (header + offset);
}

static int32_t *length_at(int32_t index) {
    return (int32_t *) (records + index);
}

static int32_t *type_at(int32_t index) {
    return (int32_t *) (records + index + 4);
}

static int32_t align8(int32_t n) {
    return (n + ALIGNMENT - 1) & ~(ALIGNMENT - 1);
}

static void pause_micros(long micros) {
    struct timespec t = {micros / 1000000, (micros % 1000000) * 1000};
    nanosleep(&t, NULL);
}

static void attach(const char *name) {
    char path[512];
    char bell[520];
    snprintf(path, sizeof path, "/dev/shm%s", name);
    snprintf(bell, sizeof bell, "%s.bell", path);

    segment_fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (segment_fd < 0) {
        fail(path);
    }
    struct stat st;
    if (fstat(segment_fd, &st) < 0) {
        fail("fstat");
    }
    if (!S_ISREG(st.st_mode) || st.st_size < HEADER_LENGTH) {
        refuse("the segment is not a regular file of at least one header page");
    }
    header = mmap(NULL, (size_t) st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, segment_fd, 0);
    if (header == MAP_FAILED) {
        fail("mmap");
    }
    /* ready is stored with release after every other field: acquire it before reading them */
    if (__atomic_load_n(header_int(READY_OFFSET), __ATOMIC_ACQUIRE) != 1) {
        refuse("the ring is not ready");
    }
    uint64_t magic;
    memcpy(&magic, header + MAGIC_OFFSET, sizeof magic);
    if (magic != MAGIC) {
        refuse("bad magic: not an Interflux ring");
    }
    if (*header_int(VERSION_OFFSET) != VERSION) {
        refuse("layout version is not 1");
    }
    if (*header_int(PRODUCERS_OFFSET) != MANY_PRODUCERS) {
        refuse("the ring is not for many producers");
    }
    if (*header_int(HEADER_LENGTH_OFFSET) != HEADER_LENGTH) {
        refuse("header length is not 4096");
    }
    capacity = *header_int(CAPACITY_OFFSET);
    max_payload = *header_int(MAX_PAYLOAD_OFFSET);
    if (capacity < 1024 || (capacity & (capacity - 1)) != 0
            || st.st_size != (off_t) HEADER_LENGTH + capacity + TRAILER_LENGTH || max_payload != capacity / 8) {
        refuse("capacity, maximum payload and segment size do not agree");
    }
    records = header + HEADER_LENGTH;
    tail_position = (int64_t *) (records + capacity + TAIL_POSITION_OFFSET);
    head_cache_position = (int64_t *) (records + capacity + HEAD_CACHE_POSITION_OFFSET);
    head_position = (int64_t *) (records + capacity + HEAD_POSITION_OFFSET);

    bell_fd = open(bell, O_RDWR | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    if (bell_fd < 0) {
        fail(bell);
    }
    if (fstat(bell_fd, &st) < 0) {
        fail("fstat(bell)");
    }
    if (!S_ISFIFO(st.st_mode)) {
        refuse("the doorbell is not a FIFO");
    }
}

/* A write lock on byte 256 + 4i for as long as we may write, and our pid in the slot. */
static void claim_slot(void) {
    int32_t pid = (int32_t) getpid();
    for (int i = 0; i < PRODUCER_SLOTS; i++) {
        struct flock lock = {
            .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = PRODUCER_SLOTS_OFFSET + 4 * i, .l_len = 1,
        };
        if (fcntl(segment_fd, F_OFD_SETLK, &lock) == 0) {
            /* a slot a dead producer left with a claim in flight is the consumer's to clear */
            if (__atomic_load_n((int64_t *) (header + CLAIMS_OFFSET + CLAIM_STRIDE * i), __ATOMIC_SEQ_CST) != 0) {
                lock.l_type = F_UNLCK;
                fcntl(segment_fd, F_OFD_SETLK, &lock);
                continue;
            }
            __atomic_store_n(header_int(PRODUCER_SLOTS_OFFSET + 4 * i), pid, __ATOMIC_SEQ_CST);
            slot = i;
            claim_word = (int64_t *) (header + CLAIMS_OFFSET + CLAIM_STRIDE * i);
            return;
        }
        if (errno != EAGAIN && errno != EACCES) {
            fail("fcntl(F_OFD_SETLK)");
        }
    }
    refuse("every producer slot is taken");
}

static void detach(void) {
    int32_t pid = (int32_t) getpid();
    __atomic_compare_exchange_n(header_int(PRODUCER_SLOTS_OFFSET + 4 * slot), &pid, 0, 0,
            __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    close(bell_fd);
    munmap(header, (size_t) HEADER_LENGTH + capacity + TRAILER_LENGTH);
    close(segment_fd); /* the last reference to the open file: the slot's lock goes */
}

/*
 * Agrona's ManyToOneRingBuffer.claimCapacity: the index to write a record of `required` (aligned)
 * bytes at, or INSUFFICIENT_CAPACITY. When the record would cross the ring's end the claim covers
 * the rest of the ring too, filled with a padding record; when even the start of the ring has no
 * room yet, only the padding is claimed (and INSUFFICIENT_CAPACITY returned), so the next try
 * starts at index 0.
 */
static int32_t claim_capacity(int32_t required) {
    const int32_t mask = capacity - 1;
    int64_t head = __atomic_load_n(head_cache_position, __ATOMIC_ACQUIRE);
    int64_t tail;
    int64_t new_tail;
    int32_t tail_index;
    int32_t padding;
    int32_t write_index;
    do {
        tail = __atomic_load_n(tail_position, __ATOMIC_ACQUIRE);
        int32_t available = capacity - (int32_t) (tail - head);
        if (required > available) {
            head = __atomic_load_n(head_position, __ATOMIC_ACQUIRE);
            if (required > capacity - (int32_t) (tail - head)) {
                return INSUFFICIENT_CAPACITY;
            }
            __atomic_store_n(head_cache_position, head, __ATOMIC_RELEASE);
        }
        new_tail = tail + required;
        padding = 0;
        tail_index = (int32_t) tail & mask;
        write_index = tail_index;
        int32_t to_end = capacity - tail_index;
        if (required > to_end) {
            int32_t head_index = (int32_t) head & mask;
            write_index = 0;
            if (required > head_index) {
                head = __atomic_load_n(head_position, __ATOMIC_ACQUIRE);
                head_index = (int32_t) head & mask;
                if (required > head_index) {
                    write_index = INSUFFICIENT_CAPACITY;
                    new_tail = tail; /* claim only the padding to the end */
                }
                __atomic_store_n(head_cache_position, head, __ATOMIC_RELEASE);
            }
            padding = to_end;
            new_tail += padding;
        }
    } while (!__atomic_compare_exchange_n(tail_position, &tail, new_tail, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));

    if (padding != 0) {
        __atomic_store_n(length_at(tail_index), -padding, __ATOMIC_RELEASE);
        __atomic_thread_fence(__ATOMIC_RELEASE);
        *type_at(tail_index) = PADDING_TYPE;
        __atomic_store_n(length_at(tail_index), padding, __ATOMIC_RELEASE);
    }
    return write_index;
}

/* Wakes a consumer that sleeps, or is about to, on the doorbell: after a full fence, swap 1 to 0 and ring. */
static void ring_consumer_if_sleeping(void) {
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    int32_t *sleeping = header_int(CONSUMER_SLEEPING_OFFSET);
    int32_t expected = 1;
    if (__atomic_load_n(sleeping, __ATOMIC_SEQ_CST) != 0
            && __atomic_compare_exchange_n(sleeping, &expected, 0, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
        uint8_t one = 1;
        if (write(bell_fd, &one, 1) < 0 && errno != EAGAIN) {
            fail("write(bell)");
        }
        rang++;
    }
}

/* The position of the record claimed at `index`: our unfinished record holds the head back, so
 * the tail is less than a lap past it. */
static int64_t claimed_position(int32_t index) {
    int64_t tail = __atomic_load_n(tail_position, __ATOMIC_ACQUIRE);
    int64_t behind = ((tail & (capacity - 1)) - index) & (capacity - 1);
    return tail - (behind == 0 ? capacity : behind);
}

/* One record, as ManyToOneRingBuffer.write, the claim in flight published in our claim word:
 * 0 when the ring has no room for it now. */
static int try_write(int32_t type, const uint8_t *payload, int32_t length) {
    int32_t record_length = length + RECORD_HEADER_LENGTH;
    __atomic_store_n(claim_word, CLAIMING, __ATOMIC_RELEASE);
    int32_t index = claim_capacity(align8(record_length));
    if (index == INSUFFICIENT_CAPACITY) {
        __atomic_store_n(claim_word, 0, __ATOMIC_RELEASE);
        return 0;
    }
    __atomic_store_n(length_at(index), -record_length, __ATOMIC_RELEASE);
    __atomic_store_n(claim_word, claimed_position(index) + 1, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    memcpy(records + index + RECORD_HEADER_LENGTH, payload, (size_t) length);
    *type_at(index) = type;
    __atomic_store_n(length_at(index), record_length, __ATOMIC_RELEASE);
    __atomic_store_n(claim_word, 0, __ATOMIC_RELEASE);
    return 1;
}

/* Writes one record, waiting (with short pauses) while the ring is full; gives up after 20 s. */
static void write_record(int32_t type, const uint8_t *payload, int32_t length) {
    for (long waited = 0; !try_write(type, payload, length); waited += 100) {
        /* before waiting, the consumer must know of what is in the ring */
        ring_consumer_if_sleeping();
        if (waited > 20 * 1000 * 1000) {
            refuse("the ring stayed full for 20 s");
        }
        pause_micros(100);
    }
    ring_consumer_if_sleeping();
}

/* Record i: 4 to 184 bytes, i as a little-endian u32 first, then (i * 31 + j) & 0xff at byte j. */
static int32_t payload_of(int32_t i, uint8_t *out) {
    int32_t n = 4 + (int32_t) (((uint32_t) i * 7u) % 181u);
    memcpy(out, &i, 4);
    for (int32_t j = 4; j < n; j++) {
        out[j] = (uint8_t) (i * 31 + j);
    }
    return n;
}

static int32_t type_of(int32_t i) {
    return 1 + i % 5;
}

static void await_sleeping_consumer(void) {
    for (long waited = 0; __atomic_load_n(header_int(CONSUMER_SLEEPING_OFFSET), __ATOMIC_SEQ_CST) != 1; waited++) {
        if (waited > 20 * 1000) {
            refuse("the consumer did not go to sleep within 20 s");
        }
        pause_micros(1000);
    }
}

static void produce(int32_t count, int32_t burst) {
    uint8_t payload[256];
    for (int32_t i = 0; i < count; i++) {
        if (burst > 0 && i % burst == 0) {
            await_sleeping_consumer();
        }
        int32_t n = payload_of(i, payload);
        write_record(type_of(i), payload, n);
    }
    printf("wrote %d rang %ld\n", count, rang);
    fflush(stdout);
}

static void hang(const char *stage) {
    uint8_t payload[100];
    memset(payload, 0x5a, sizeof payload);
    if (strcmp(stage, "none") == 0) {
        printf("claimed none\n");
        fflush(stdout);
        for (;;) {
            pause();
        }
    }
    int stall = strcmp(stage, "stall") == 0;
    if (!stall && strcmp(stage, "header") != 0 && strcmp(stage, "reserved") != 0) {
        refuse("the stage is none, reserved, header or stall");
    }
    int32_t record_length = (int32_t) sizeof payload + RECORD_HEADER_LENGTH;
    __atomic_store_n(claim_word, CLAIMING, __ATOMIC_RELEASE);
    int32_t index = claim_capacity(align8(record_length));
    if (index == INSUFFICIENT_CAPACITY) {
        refuse("no room for the record to leave unfinished");
    }
    if (strcmp(stage, "reserved") != 0) {
        __atomic_store_n(length_at(index), -record_length, __ATOMIC_RELEASE);
        __atomic_store_n(claim_word, claimed_position(index) + 1, __ATOMIC_RELEASE);
        __atomic_thread_fence(__ATOMIC_RELEASE);
        *type_at(index) = 7;
        memcpy(records + index + RECORD_HEADER_LENGTH, payload, sizeof payload / 2);
    }
    printf("claimed %d\n", index);
    fflush(stdout);
    if (!stall) {
        for (;;) {
            pause();
        }
    }
    char line[64];
    if (fgets(line, sizeof line, stdin) == NULL) {
        refuse("stdin ended before the record was to be finished");
    }
    memcpy(records + index + RECORD_HEADER_LENGTH + sizeof payload / 2, payload + sizeof payload / 2,
            sizeof payload - sizeof payload / 2);
    __atomic_store_n(length_at(index), record_length, __ATOMIC_RELEASE);
    __atomic_store_n(claim_word, 0, __ATOMIC_RELEASE);
    ring_consumer_if_sleeping();
    printf("committed %d\n", index);
    fflush(stdout);
}

int main(int argc, char **argv) {
    if (argc != 5 && !(argc == 4 && strcmp(argv[1], "hang") == 0)) {
        refuse("usage: ring_producer produce NAME COUNT BURST | hang NAME none|reserved|header|stall");
    }
    attach(argv[2]);
    claim_slot();
    printf("attached slot %d\n", slot);
    fflush(stdout);
    if (strcmp(argv[1], "produce") == 0) {
        produce(atoi(argv[3]), atoi(argv[4]));
    } else if (strcmp(argv[1], "hang") == 0) {
        hang(argv[3]);
    } else {
        refuse("the mode is produce or hang");
    }
    detach();
    return 0;
}
