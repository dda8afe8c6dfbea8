# The kill campaign's producer for the mechanisms a plain OS user can write into: it writes the
# numbers 0, 1, 2, ... one per write(2) / mq_send / msgsnd / sendall, as fast as the kernel takes
# them, and publishes in the campaign's control segment (a SharedValues segment, see Control.java
# for the slots and ValuesDescriptor for the layout) how many the kernel accepted, until SIGKILL.
#
#   victim.py pipe      CTL BASE               lines on stdout
#   victim.py fifo      CTL BASE PATH          lines into a FIFO (opened for writing, blocking)
#   victim.py posix-mq  CTL BASE /NAME         messages into a POSIX queue (mq_open O_WRONLY, blocking mq_send)
#   victim.py sysv-mq   CTL BASE ID            messages of type 1 into a System V queue (blocking msgsnd)
#   victim.py unix      CTL BASE PATH          lines into a Unix stream socket
#   victim.py tcp       CTL BASE HOST:PORT     lines into a TCP connection
#
# CTL is the control segment's path (/dev/shm/NAME), BASE the first slot of this kill's slice of
# it. The victim sets READY to its pid once its end
# is open, waits for GO, then writes; COUNT is stored after each accepted item, so after the kill
# the receiver must have exactly COUNT or COUNT + 1 items (the kill between the write and the store).
import ctypes
import ctypes.util
import mmap
import os
import socket
import struct
import sys
import threading
import time

READY, GO, COUNT = 0, 1, 2
FIRST_SLOT = 8  # offset 64 in 8-byte words

mechanism, ctl_path, base = sys.argv[1], sys.argv[2], int(sys.argv[3])
args = sys.argv[4:]


def lifeline():
    # never outlive the campaign: an orphan is re-parented, so its parent pid changes
    parent = os.getppid()
    while True:
        time.sleep(0.2)
        if os.getppid() != parent:
            os._exit(3)


threading.Thread(target=lifeline, daemon=True).start()

fd = os.open(ctl_path, os.O_RDWR)
ctl = memoryview(mmap.mmap(fd, os.fstat(fd).st_size)).cast('q')
os.close(fd)


def slot(i):
    return FIRST_SLOT + base + i


def fail(what):
    sys.stderr.write("victim %s: %s\n" % (mechanism, what))
    sys.stderr.flush()
    os._exit(2)


def errno_check(result, call):
    if result == -1:
        e = ctypes.get_errno()
        fail("%s failed: %s" % (call, os.strerror(e)))
    return result


libc = ctypes.CDLL(ctypes.util.find_library("rt") or "libc.so.6", use_errno=True)

if mechanism == "pipe":
    out = 1

    def send(i):
        os.write(out, b"%d\n" % i)
elif mechanism == "fifo":
    out = os.open(args[0], os.O_WRONLY)

    def send(i):
        os.write(out, b"%d\n" % i)
elif mechanism == "posix-mq":
    libc.mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int]
    libc.mq_open.restype = ctypes.c_int
    libc.mq_send.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint]
    libc.mq_send.restype = ctypes.c_int
    mq = errno_check(libc.mq_open(args[0].encode(), os.O_WRONLY), "mq_open")

    def send(i):
        body = b"%d" % i
        errno_check(libc.mq_send(mq, body, len(body), 0), "mq_send")
elif mechanism == "sysv-mq":
    libc.msgsnd.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]
    libc.msgsnd.restype = ctypes.c_int
    qid = int(args[0])

    def send(i):
        body = b"%d" % i
        errno_check(libc.msgsnd(qid, struct.pack("=q", 1) + body, len(body), 0), "msgsnd")
elif mechanism in ("unix", "tcp"):
    if mechanism == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(args[0])
    else:
        host, port = args[0].rsplit(":", 1)
        s = socket.create_connection((host, int(port)))

    def send(i):
        s.sendall(b"%d\n" % i)
else:
    fail("unknown mechanism " + mechanism)

ctl[slot(READY)] = os.getpid()
deadline = time.monotonic() + 60
while ctl[slot(GO)] == 0:
    if time.monotonic() > deadline:
        fail("no GO within 60 s")
    time.sleep(0.0002)

i = 0
while True:
    send(i)
    i += 1
    ctl[slot(COUNT)] = i
