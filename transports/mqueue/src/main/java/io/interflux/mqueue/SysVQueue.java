package io.interflux.mqueue;

import io.interflux.internal.Errno;
import io.interflux.Creation;
import io.interflux.Codec;
import io.interflux.FrameTooLargeException;
import io.interflux.IpcException;
import io.interflux.IpcResource;
import io.interflux.internal.Native;
import io.interflux.internal.drain.BackoffReadiness;
import io.interflux.internal.drain.Lifecycle;
import io.interflux.internal.drain.MessageSink;
import io.interflux.internal.drain.MessageSource;
import io.interflux.mqueue.internal.QueueCalls;
import io.interflux.mqueue.internal.QueueLib;
import io.interflux.internal.drain.MessageReceive;
import io.interflux.internal.drain.MessageSend;
import io.interflux.internal.drain.WorkBudget;
import io.interflux.mqueue.internal.SystemLimits;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Objects;

/**
 * An open System V message queue ({@code msgget(2)}): typed messages kept by the kernel, which
 * receivers select by type.
 *
 * <p>System V queues have no descriptor and cannot be polled, and the library never blocks a
 * thread in {@code msgrcv} or {@code msgsnd}: both are tried with {@code IPC_NOWAIT}, and an
 * empty (or full) queue is tried again on a timer with an adaptive backoff (see
 * {@link #receive(long)}). No thread is held while waiting, so cancel and dispose take effect at
 * once.
 *
 * <pre>{@code
 * SysVQueue queue = SysVQueue.privateQueue().open().block();
 * queue.receive(1, Codec.utf8()).subscribe(a -> System.out.println("consumer A: " + a));
 * queue.receive(2, Codec.utf8()).subscribe(b -> System.out.println("consumer B: " + b));
 * queue.send(Flux.just(SysVMessage.of("for A", Codec.utf8(), 1), SysVMessage.of("for B", Codec.utf8(), 2)))
 *      .subscribe();
 * }</pre>
 */
public final class SysVQueue implements IpcResource {

    /** Messages a send requests ahead of what the queue has taken. */
    static final int SEND_PREFETCH = 64;

    private final SysVQueueSpec spec;
    private final int id;
    private final int key;
    private final boolean created;
    private final int maxMessageSize;
    private final long capacityBytes;
    private final String description;
    private final Lifecycle lifecycle;
    private final Scheduler timer;
    private final long maxDelayNanos;

    private SysVQueue(SysVQueueSpec spec, int id, int key, boolean created, int maxMessageSize, long capacityBytes) {
        this.spec = spec;
        this.id = id;
        this.key = key;
        this.created = created;
        this.maxMessageSize = maxMessageSize;
        this.capacityBytes = capacityBytes;
        this.description = "System V queue " + id + " (" + spec.describeKey() + ")";
        this.lifecycle = new Lifecycle(description, this::release);
        this.timer = spec.timer == null ? Schedulers.parallel() : spec.timer;
        this.maxDelayNanos = spec.maxPollInterval.toNanos();
        spec.metrics.opened();
    }

    /** A spec for the queue whose key {@code ftok(path, projectId)} derives; {@code path} must exist. */
    public static SysVQueueSpec key(Path path, int projectId) {
        return SysVQueueSpec.ofPath(path, projectId);
    }

    /** A spec for the queue of a numeric key (not 0, which is {@code IPC_PRIVATE}). */
    public static SysVQueueSpec key(int key) {
        return SysVQueueSpec.ofKey(key);
    }

    /**
     * A spec for a new queue with no key ({@code IPC_PRIVATE}): other processes reach it by its
     * {@link #id()}, handed to them by other means (an argument, a child's environment).
     */
    public static SysVQueueSpec privateQueue() {
        return SysVQueueSpec.ofPrivate();
    }

    /**
     * A spec for the existing queue with identifier {@code id} (from {@code ipcs -q}, or another
     * process's {@link #id()}); such a queue is never created nor removed by this handle.
     */
    public static SysVQueueSpec existing(int id) {
        return SysVQueueSpec.ofId(id);
    }

    static SysVQueue open(SysVQueueSpec spec) {
        QueueLib lib = QueueCalls.lib();
        if (spec.byId()) {
            return stat(spec, spec.key, false);
        }
        int key;
        if (spec.isPrivate) {
            key = QueueCalls.IPC_PRIVATE;
        } else if (spec.path != null) {
            key = lib.ftok(spec.path.toString(), spec.projectId);
            if (key == -1) {
                throw IpcException.fromErrno("ftok", "\"" + spec.path + "\", " + spec.projectId, Native.errno());
            }
        } else {
            key = spec.key;
        }
        int id = -1;
        boolean created = false;
        for (int attempt = 0; id < 0; attempt++) {
            if (spec.creation != Creation.OPEN_EXISTING) {
                int flags = QueueCalls.IPC_CREAT | QueueCalls.IPC_EXCL | spec.mode;
                id = lib.msgget(key, flags);
                if (id >= 0) {
                    created = true;
                    break;
                }
                int errno = Native.errno();
                if (errno != Errno.EEXIST || spec.creation == Creation.CREATE_NEW) {
                    throw msggetFailure(spec, "IPC_CREAT|IPC_EXCL|0" + Integer.toOctalString(spec.mode), errno);
                }
            }
            id = lib.msgget(key, 0);
            if (id < 0) {
                int errno = Native.errno();
                if (errno != Errno.ENOENT || spec.creation == Creation.OPEN_EXISTING || attempt == 3) {
                    throw msggetFailure(spec, "0", errno);
                }
            }
        }
        try {
            return stat(spec, id, created);
        } catch (RuntimeException e) {
            if (created) {
                lib.msgctl(id, QueueCalls.IPC_RMID, 0);
            }
            throw e;
        }
    }

    private static SysVQueue stat(SysVQueueSpec spec, int id, boolean created) {
        ByteBuffer ds = ByteBuffer.allocateDirect(QueueCalls.MSQID_DS_SIZE).order(ByteOrder.nativeOrder());
        if (QueueCalls.lib().msgctl(id, QueueCalls.IPC_STAT, Native.address(ds)) < 0) {
            throw statFailure(id, Native.errno());
        }
        long qbytes = ds.getLong(QueueCalls.MSQID_DS_QBYTES);
        int key = ds.getInt(0);
        long msgmax = SystemLimits.read(SystemLimits.MSGMAX, 8192);
        // a message larger than the queue's byte capacity would wait for room forever
        long max = Math.min(Math.min(msgmax, qbytes), Integer.MAX_VALUE - 16);
        if (spec.maxMessageSize > 0) {
            max = Math.min(max, spec.maxMessageSize);
        }
        return new SysVQueue(spec, id, key, created, (int) max, qbytes);
    }

    private static IpcException statFailure(int id, int errno) {
        String detail;
        switch (errno) {
            case Errno.EINVAL:
            case Errno.EIDRM:
                detail = "no System V queue has this id: it was removed, or never existed (ipcs -q lists the ids)";
                break;
            case Errno.EACCES:
                detail = "the queue's mode does not let this user read it";
                break;
            default:
                detail = null;
        }
        return new IpcException("msgctl", "System V queue id " + id + ", IPC_STAT", errno, detail);
    }

    private static IpcException msggetFailure(SysVQueueSpec spec, String flags, int errno) {
        String detail;
        switch (errno) {
            case Errno.ENOENT:
                detail = "no queue has this key";
                break;
            case Errno.EACCES:
                detail = "the queue's mode does not allow this user";
                break;
            case Errno.ENOSPC:
                detail = "the system-wide number of queues is reached (/proc/sys/kernel/msgmni)";
                break;
            default:
                detail = null;
        }
        return new IpcException("msgget", spec.describeKey() + ", " + flags, errno, detail);
    }

    /** The queue identifier the kernel gave it, as {@code ipcs -q} shows it. */
    public int id() {
        return id;
    }

    /** The queue's key ({@code 0} for a private queue). */
    public int key() {
        return key;
    }

    /** Whether this opening created the queue (and so removes it on dispose, if the spec says so). */
    public boolean created() {
        return created;
    }

    /**
     * The largest message this handle carries, in bytes: the smallest of the system's
     * {@code /proc/sys/kernel/msgmax}, the queue's byte capacity and the spec's
     * {@link SysVQueueSpec#maxMessageSize(int)}.
     */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /** How many payload bytes the queue holds before senders are held back ({@code msg_qbytes}). */
    public long capacityBytes() {
        return capacityBytes;
    }

    /** How many messages are in the queue right now ({@code msg_qnum}). Non-blocking. */
    public long currentMessages() {
        if (!lifecycle.enter()) {
            throw new io.interflux.DisposedException(description);
        }
        try {
            ByteBuffer ds = ByteBuffer.allocateDirect(QueueCalls.MSQID_DS_SIZE).order(ByteOrder.nativeOrder());
            if (QueueCalls.lib().msgctl(id, QueueCalls.IPC_STAT, Native.address(ds)) < 0) {
                throw statFailure(id, Native.errno());
            }
            return ds.getLong(QueueCalls.MSQID_DS_QNUM);
        } finally {
            lifecycle.exit();
        }
    }

    /**
     * Puts every message of {@code messages} in the queue, each with its own type, and completes
     * when the last one is in. A full queue holds the publisher back: {@code msgsnd} is tried
     * with {@code IPC_NOWAIT}, and on {@code EAGAIN} tried again on the timer with the backoff
     * described at {@link #receive(long)}; nothing is dropped. A message larger than
     * {@link #maxMessageSize()} fails the send with a {@link FrameTooLargeException}. Any
     * number of sends may run at once. Lazy: nothing happens until subscribed.
     */
    public Mono<Void> send(Publisher<? extends SysVMessage> messages) {
        return new MessageSend<>(description, lifecycle, messages, () -> new Sender(this), sink -> backoff(),
                SEND_PREFETCH).metered(spec.metrics);
    }

    /** Sends values encoded by {@code codec}, all of message type {@code type} (> 0): values, codec, type. */
    public <T> Mono<Void> send(Publisher<? extends T> values, Codec<T> codec, long type) {
        Objects.requireNonNull(codec, "codec");
        if (type <= 0) {
            throw new IllegalArgumentException("type > 0 required but it was " + type);
        }
        return send(Flux.<T>from(values).map(v -> SysVMessage.of(v, codec, type)));
    }

    /**
     * The queue's messages selected by {@code type}, as {@code msgrcv(2)} selects them:
     * {@code 0} takes any message, oldest first; {@code > 0} only messages of exactly that type;
     * {@code < 0} the message of the lowest type up to {@code |type|}. A message is taken only
     * for outstanding demand. Any number of receives may run at once, each with its own
     * selection: two consumers of types 1 and 2 each see only their own messages.
     *
     * <p><b>Waiting.</b> System V queues cannot be polled, and a blocking {@code msgrcv} could
     * neither be woken by cancel nor run on a non-blocking thread. So the receive tries
     * {@code msgrcv(IPC_NOWAIT)} and, while there is demand and the queue has nothing for it,
     * tries again on the spec's timer ({@link Schedulers#parallel()} by default): 16 times
     * at once, then after 20 µs, doubling up to the spec's maximum poll interval (1 ms by
     * default). The latency cost: a message arriving while messages flow is taken within
     * microseconds; one arriving after a quiet spell waits up to the maximum interval (1 ms).
     * A receive with demand and no traffic costs one non-blocking system call per interval; one
     * without demand costs nothing. Cancel or dispose drop the pending try at once; the queue
     * being removed ({@code EIDRM}) fails the flux with an {@link IpcException}; the flux
     * completes when this handle is disposed.
     */
    public Flux<SysVMessage> receive(long type) {
        if (type == Long.MIN_VALUE) {
            throw new IllegalArgumentException("type must be > Long.MIN_VALUE, as -type has to be a long");
        }
        return new MessageReceive<>(description, lifecycle, () -> new Receiver(this, type), source -> backoff())
                .metered(spec.metrics);
    }

    /** The payloads of {@link #receive(long)} decoded by {@code codec}. */
    public <T> Flux<T> receive(long type, Codec<T> codec) {
        Objects.requireNonNull(codec, "codec");
        return receive(type).map(m -> codec.decode(m.bytes()));
    }

    private BackoffReadiness backoff() {
        return new BackoffReadiness(timer, maxDelayNanos);
    }

    /**
     * Ends the running streams (receives complete, sends fail with
     * {@link java.util.concurrent.CancellationException}) and, if this opening created the queue
     * and the spec says so, removes it ({@code IPC_RMID}), which wakes every other process
     * waiting on it with {@code EIDRM}. Never blocks; idempotent.
     */
    /**
     * An emitter into the queue: {@link io.interflux.Emitter#tryEmitNext(Object)} is one
     * {@code msgsnd(IPC_NOWAIT)}: {@code OK} when the message is in, {@code FAIL_OVERFLOW} when
     * the queue's bytes ({@link #capacityBytes()}) or the system's message count are used up and
     * nothing was sent, {@code FAIL_TERMINATED} once disposed. A message over
     * {@link #maxMessageSize()} throws {@link FrameTooLargeException}. Concurrent emissions on
     * one emitter answer {@code FAIL_NON_SERIALIZED}; take one emitter per thread.
     */
    public io.interflux.Emitter<SysVMessage> emitter() {
        return new io.interflux.internal.drain.SinkEmitter<>(description, lifecycle, new Sender(this), spec.metrics);
    }

    /** An emitter of values encoded by {@code codec}, all of message type {@code type} (> 0); see {@link #emitter()}. */
    public <T> io.interflux.Emitter<T> emitter(Codec<T> codec, long type) {
        Objects.requireNonNull(codec, "codec");
        if (type <= 0) {
            throw new IllegalArgumentException("type > 0 required but it was " + type);
        }
        return io.interflux.internal.drain.SinkEmitter.mapped(emitter(), v -> SysVMessage.of(v, codec, type));
    }

    @Override
    public void dispose() {
        lifecycle.dispose();
    }

    @Override
    public boolean isDisposed() {
        return lifecycle.isDisposed();
    }

    @Override
    public Mono<Void> onDispose() {
        return lifecycle.onReleased();
    }

    private void release() {
        try {
            if (created && spec.removeOnDispose) {
                QueueCalls.lib().msgctl(id, QueueCalls.IPC_RMID, 0);
            }
        } finally {
            spec.metrics.closed();
        }
    }

    @Override
    public String toString() {
        return "SysVQueue[id=" + id + ", " + spec.describeKey() + "]";
    }

    private static IpcException failure(String op, SysVQueue queue, int errno) {
        return new IpcException(op, queue.description, errno,
                errno == Errno.EIDRM || errno == Errno.EINVAL ? "the queue was removed" : null);
    }

    /** {@code msgrcv(IPC_NOWAIT)} into one direct buffer: the {@code long mtype}, then the payload. */
    static final class Receiver implements MessageSource<SysVMessage> {
        private final SysVQueue queue;
        private final long type;
        private final ByteBuffer buffer;
        private final long address;

        Receiver(SysVQueue queue, long type) {
            this.queue = queue;
            this.type = type;
            this.buffer = ByteBuffer.allocateDirect(QueueCalls.MTYPE_SIZE + queue.maxMessageSize)
                    .order(ByteOrder.nativeOrder());
            this.address = Native.address(buffer);
        }

        @Override
        public SysVMessage poll(WorkBudget budget) {
            if (!budget.spend()) {
                return null;
            }
            for (;;) {
                long n = QueueCalls.lib().msgrcv(queue.id, address, queue.maxMessageSize, type, QueueCalls.IPC_NOWAIT);
                if (n >= 0) {
                    queue.spec.metrics.bytesReceived(n);
                    byte[] payload = new byte[(int) n];
                    buffer.get(QueueCalls.MTYPE_SIZE, payload);
                    return SysVMessage.received(buffer.getLong(0), payload);
                }
                int errno = Native.errno();
                if (errno == Errno.ENOMSG) {
                    return null;
                }
                if (errno == Errno.E2BIG) {
                    throw new FrameTooLargeException("message", queue.description, queue.maxMessageSize,
                            queue.maxMessageSize + 1L);
                }
                if (errno != Errno.EINTR) {
                    throw failure("msgrcv", queue, errno);
                }
            }
        }
    }

    /** {@code msgsnd(IPC_NOWAIT)} from one direct buffer. */
    static final class Sender implements MessageSink<SysVMessage> {
        private final SysVQueue queue;
        private final ByteBuffer buffer;
        private final long address;

        Sender(SysVQueue queue) {
            this.queue = queue;
            this.buffer = ByteBuffer.allocateDirect(QueueCalls.MTYPE_SIZE + queue.maxMessageSize)
                    .order(ByteOrder.nativeOrder());
            this.address = Native.address(buffer);
        }

        @Override
        public boolean offer(SysVMessage message, WorkBudget budget) {
            byte[] payload = message.bytes();
            if (payload.length > queue.maxMessageSize) {
                throw new FrameTooLargeException("message (msgmax, msg_qbytes)", queue.description,
                        queue.maxMessageSize, payload.length);
            }
            if (!budget.spend()) {
                return false;
            }
            buffer.putLong(0, message.type());
            buffer.put(QueueCalls.MTYPE_SIZE, payload);
            for (;;) {
                if (QueueCalls.lib().msgsnd(queue.id, address, payload.length, QueueCalls.IPC_NOWAIT) == 0) {
                    queue.spec.metrics.bytesSent(payload.length);
                    return true;
                }
                int errno = Native.errno();
                if (errno == Errno.EAGAIN) {
                    return false;
                }
                if (errno != Errno.EINTR) {
                    throw failure("msgsnd", queue, errno);
                }
            }
        }
    }
}
