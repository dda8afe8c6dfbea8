/*
 * A C peer for the queue integration tests, compiled with gcc by the test.
 *
 *   queue_peer posix NAME N   sends "c0".."c<N-1>" with priority i % 3, reads a line from stdin
 *                             (the go-ahead), then receives N messages and prints "text priority"
 *   queue_peer sysv ID N      sends "c0".."c<N-1>" as type 1, then receives N messages of
 *                             type 2 and prints "text type"
 */
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>

struct msg {
    long mtype;
    char mtext[8192];
};

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s posix NAME N | sysv ID N\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[3]);
    char text[64];
    if (strcmp(argv[1], "posix") == 0) {
        mqd_t q = mq_open(argv[2], O_RDWR);
        if (q == (mqd_t) -1) { perror("mq_open"); return 1; }
        struct mq_attr attr;
        if (mq_getattr(q, &attr) != 0) { perror("mq_getattr"); return 1; }
        for (int i = 0; i < n; i++) {
            int len = snprintf(text, sizeof text, "c%d", i);
            if (mq_send(q, text, len, i % 3) != 0) { perror("mq_send"); return 1; }
        }
        char line[16];
        if (fgets(line, sizeof line, stdin) == NULL) { fprintf(stderr, "no go-ahead\n"); return 1; }
        char *buf = malloc(attr.mq_msgsize);
        for (int i = 0; i < n; i++) {
            unsigned prio;
            ssize_t len = mq_receive(q, buf, attr.mq_msgsize, &prio);
            if (len < 0) { perror("mq_receive"); return 1; }
            printf("%.*s %u\n", (int) len, buf, prio);
        }
        mq_close(q);
    } else {
        int id = atoi(argv[2]);
        struct msg m;
        for (int i = 0; i < n; i++) {
            m.mtype = 1;
            int len = snprintf(m.mtext, sizeof m.mtext, "c%d", i);
            if (msgsnd(id, &m, len, 0) != 0) { perror("msgsnd"); return 1; }
        }
        for (int i = 0; i < n; i++) {
            ssize_t len = msgrcv(id, &m, sizeof m.mtext, 2, 0);
            if (len < 0) { perror("msgrcv"); return 1; }
            printf("%.*s %ld\n", (int) len, m.mtext, m.mtype);
        }
    }
    fflush(stdout);
    return 0;
}
