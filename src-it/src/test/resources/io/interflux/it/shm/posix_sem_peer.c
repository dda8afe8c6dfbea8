/*
 * A C peer for the POSIX semaphore integration tests, compiled with gcc by the test.
 *
 *   posix_sem_peer NAME   opens the existing semaphore NAME (sem_open without O_CREAT), prints
 *                         "opened", then runs one command per line of stdin, printing one line
 *                         for each:
 *     trywait             sem_trywait: "trywait ok", or "trywait EAGAIN" when no permit is free
 *     wait                prints "waiting", then sem_wait, which sleeps in the kernel until a
 *                         permit is posted: "wait ok"
 *     post                sem_post: "post ok"
 *     value               sem_getvalue: "value N"
 *                         at the end of stdin: sem_close, exit 0
 */
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s NAME\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* stdout is a pipe: a line reaches the test as it is printed */
    sem_t *sem = sem_open(argv[1], 0);
    if (sem == SEM_FAILED) { perror("sem_open"); return 1; }
    printf("opened\n");
    char line[64];
    while (fgets(line, sizeof line, stdin) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (strcmp(line, "trywait") == 0) {
            if (sem_trywait(sem) == 0) {
                printf("trywait ok\n");
            } else if (errno == EAGAIN) {
                printf("trywait EAGAIN\n");
            } else {
                perror("sem_trywait"); return 1;
            }
        } else if (strcmp(line, "wait") == 0) {
            printf("waiting\n");
            while (sem_wait(sem) != 0) {
                if (errno != EINTR) { perror("sem_wait"); return 1; }
            }
            printf("wait ok\n");
        } else if (strcmp(line, "post") == 0) {
            if (sem_post(sem) != 0) { perror("sem_post"); return 1; }
            printf("post ok\n");
        } else if (strcmp(line, "value") == 0) {
            int value;
            if (sem_getvalue(sem, &value) != 0) { perror("sem_getvalue"); return 1; }
            printf("value %d\n", value);
        } else {
            fprintf(stderr, "unknown command '%s'\n", line);
            return 2;
        }
    }
    if (sem_close(sem) != 0) { perror("sem_close"); return 1; }
    return 0;
}
