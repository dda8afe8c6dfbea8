# The sync benchmark's Python baseline: two processes incrementing one
# multiprocessing.Value('i') under its lock, as the documentation shows it:
#     with v.get_lock(): v.value += 1
# Run by PythonCounter as: python3 -c "<this file>" SECONDS
# Both children start together (a barrier), run SECONDS each, and report how
# many increments they made and when they started and stopped
# (time.monotonic_ns). Prints one line:
#     result N0 N1 FINAL START_NS END_NS CPU_NS
# where FINAL is the counter's value at the end, N0 + N1 if the lock held, and
# CPU_NS the user and system time both children used.
import multiprocessing
import resource
import sys
import time

CHECK_EVERY = 64


def count(v, seconds, barrier, out, i):
    lock = v.get_lock()
    barrier.wait()
    start = time.monotonic_ns()
    end = start + int(seconds * 1e9)
    n = 0
    while True:
        for _ in range(CHECK_EVERY):
            with lock:
                v.value += 1
        n += CHECK_EVERY
        if time.monotonic_ns() >= end:
            break
    out[3 * i] = n
    out[3 * i + 1] = start
    out[3 * i + 2] = time.monotonic_ns()


def main():
    seconds = float(sys.argv[1])
    ctx = multiprocessing.get_context("fork")
    v = ctx.Value("i", 0)
    out = ctx.Array("q", 6, lock=False)
    barrier = ctx.Barrier(2)
    children = [ctx.Process(target=count, args=(v, seconds, barrier, out, i)) for i in range(2)]
    for c in children:
        c.start()
    for c in children:
        c.join()
        if c.exitcode != 0:
            sys.exit("a counting process failed with status %d" % c.exitcode)
    children_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_ns = int((children_cpu.ru_utime + children_cpu.ru_stime) * 1e9)
    print("result %d %d %d %d %d %d" % (out[0], out[3], v.value, min(out[1], out[4]), max(out[2], out[5]), cpu_ns))


if __name__ == "__main__":
    main()
