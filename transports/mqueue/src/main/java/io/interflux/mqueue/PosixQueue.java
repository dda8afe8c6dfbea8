package io.interflux.mqueue;

import io.interflux.internal.Spi;
import io.interflux.internal.Errno;
import io.interflux.Creation;
import io.interflux.Access;
import io.interflux.Codec;
import io.interflux.EventLoop;
import io.interflux.FrameTooLargeException;
import io.interflux.IpcException;
import io.interflux.IpcResource;
import io.interflux.internal.Native;
import io.interflux.internal.drain.DescriptorReadiness;
import io.interflux.internal.drain.Lifecycle;
import io.interflux.internal.drain.MessageSink;
import io.interflux.internal.drain.MessageSource;
import io.interflux.mqueue.internal.QueueCalls;
import io.interflux.mqueue.internal.QueueLib;
import io.interflux.internal.drain.MessageReceive;
import io.interflux.internal.drain.MessageSend;
import io.interflux.internal.drain.WorkBudget;
import io.interflux.internal.drain.SpinningReadiness;
import io.interflux.mqueue.internal.SystemLimits;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.function.ToIntFunction;

/**
 * An open POSIX message queue ({@code mq_open(3)}): whole messages with priorities, kept by the
 * kernel, shared by name between processes.
 *
 * <p>On Linux a queue descriptor can be polled, so the queue lives on the event loop with no
 * thread of its own: {@link #receive()} takes a message only for outstanding demand and otherwise
 * waits for {@code EPOLLIN}; {@link #send(Publisher)} puts messages in until the queue is full,
 * then waits for {@code EPOLLOUT} before asking its publisher for more. Before arming the
 * descriptor, a drain that found the queue empty (or full) retries for up to
 * {@value #SPIN_NANOS} ns: a queue fed by a busy peer is then read without an epoll round per
 * message. The budget adapts: it shrinks to nothing where retrying does not pay (a peer on the
 * same loop thread, a quiet queue), so an idle stream costs no CPU.
 *
 * <pre>{@code
 * PosixQueue queue = PosixQueue.named("/jobs").maxMessages(10).open().block();
 * queue.send(Flux.just(PosixMessage.of(bytes, 1), PosixMessage.of(urgent, 9))).subscribe();
 * queue.receive(Codec.utf8()).take(2).subscribe(System.out::println);
 * ...
 * queue.dispose(); // closes the descriptor; removes the queue if this opening created it
 * }</pre>
 */
public final class PosixQueue implements IpcResource {

    /** Messages a send requests ahead of what the queue has taken. */
    static final int SEND_PREFETCH = 32;

    /** The most a drain keeps retrying an empty or full queue before it arms the descriptor (adaptive, see SpinningReadiness). */
    static final long SPIN_NANOS = 20_000;

    private final PosixQueueSpec spec;
    private final int mqd;
    private final boolean created;
    private final int maxMessages;
    private final int maxMessageSize;
    private final String description;
    private final DescriptorReadiness readiness;
    private final Lifecycle lifecycle;
    private final MessageReceive<PosixMessage> receive;

    private PosixQueue(PosixQueueSpec spec, int mqd, boolean created, int maxMessages, int maxMessageSize,
                       EventLoop loop) {
        this.spec = spec;
        this.mqd = mqd;
        this.created = created;
        this.maxMessages = maxMessages;
        this.maxMessageSize = maxMessageSize;
        this.description = "POSIX queue " + spec.name;
        this.readiness = new DescriptorReadiness(Spi.poller(loop), mqd);
        this.lifecycle = new Lifecycle(description, this::release);
        this.receive = new MessageReceive<>(description, lifecycle, () -> new Receiver(this),
                source -> new SpinningReadiness(readiness.readable(), SPIN_NANOS)).metered(spec.metrics);
        spec.metrics.opened();
    }

    /** A spec for the queue {@code name}: a {@code '/'} and up to 255 characters without {@code '/'}. */
    public static PosixQueueSpec named(String name) {
        return new PosixQueueSpec(name);
    }

    static PosixQueue open(PosixQueueSpec spec) {
        QueueLib lib = QueueCalls.lib();
        int access = openFlags(spec.access) | Native.O_NONBLOCK | Native.O_CLOEXEC;
        long attr = 0;
        ByteBuffer attrBuffer = null;
        if (spec.creation != Creation.OPEN_EXISTING && (spec.maxMessages > 0 || spec.maxMessageSize > 0)) {
            attrBuffer = ByteBuffer.allocateDirect(QueueCalls.MQ_ATTR_SIZE).order(ByteOrder.nativeOrder());
            attrBuffer.putLong(QueueCalls.MQ_ATTR_MAXMSG, checkedLimit(spec, spec.maxMessages, "maxMessages",
                    "msg_max", SystemLimits.MQ_MSG_MAX, SystemLimits.MQ_MSG_DEFAULT, 10));
            attrBuffer.putLong(QueueCalls.MQ_ATTR_MSGSIZE, checkedLimit(spec, spec.maxMessageSize, "maxMessageSize",
                    "msgsize_max", SystemLimits.MQ_MSGSIZE_MAX, SystemLimits.MQ_MSGSIZE_DEFAULT, 8192));
            attr = Native.address(attrBuffer);
        }
        int mqd = -1;
        boolean created = false;
        // O_CREAT|O_EXCL first, so we know whether this opening created the queue (unlink on
        // dispose, exact mode); a queue that exists is then opened as it is
        for (int attempt = 0; mqd < 0; attempt++) {
            if (spec.creation != Creation.OPEN_EXISTING) {
                int flags = access | Native.O_CREAT | Native.O_EXCL;
                mqd = lib.mq_open(spec.name, flags, spec.mode, attr);
                if (mqd >= 0) {
                    created = true;
                    break;
                }
                int errno = Native.errno();
                if (errno != Errno.EEXIST || spec.creation == Creation.CREATE_NEW) {
                    throw openFailure(spec, flags, errno);
                }
            }
            mqd = lib.mq_open(spec.name, access, 0, 0);
            if (mqd < 0) {
                int errno = Native.errno();
                // removed between our two calls: try creating again, a few times at most
                if (errno != Errno.ENOENT || spec.creation == Creation.OPEN_EXISTING || attempt == 3) {
                    throw openFailure(spec, access, errno);
                }
            }
        }
        try {
            if (created && lib.fchmod(mqd, spec.mode) < 0) {
                throw IpcException.fromErrno("fchmod", spec.name + ", 0" + Integer.toOctalString(spec.mode), Native.errno());
            }
            ByteBuffer a = ByteBuffer.allocateDirect(QueueCalls.MQ_ATTR_SIZE).order(ByteOrder.nativeOrder());
            if (lib.mq_getattr(mqd, Native.address(a)) < 0) {
                throw IpcException.fromErrno("mq_getattr", spec.name, Native.errno());
            }
            int maxMsg = (int) a.getLong(QueueCalls.MQ_ATTR_MAXMSG);
            int msgSize = (int) a.getLong(QueueCalls.MQ_ATTR_MSGSIZE);
            return new PosixQueue(spec, mqd, created, maxMsg, msgSize, spec.loop == null ? EventLoop.shared() : spec.loop);
        } catch (RuntimeException e) {
            lib.mq_close(mqd);
            if (created) {
                lib.mq_unlink(spec.name);
            }
            throw e;
        }
    }

    private static int openFlags(Access access) {
        switch (access) {
            case RECEIVE:
                return Native.O_RDONLY;
            case SEND:
                return Native.O_WRONLY;
            default:
                return Native.O_RDWR;
        }
    }

    /** The requested value, or the kernel default; above the system limit it fails as the kernel would for a user. */
    private static long checkedLimit(PosixQueueSpec spec, int requested, String option, String limitName,
                                     java.nio.file.Path limitFile, java.nio.file.Path defaultFile, long fallback) {
        if (requested == 0) {
            return SystemLimits.read(defaultFile, fallback);
        }
        long limit = SystemLimits.read(limitFile, Long.MAX_VALUE);
        if (requested > limit) {
            throw new IpcException("mq_open", "\"" + spec.name + "\", O_CREAT", Errno.EINVAL,
                    option + "=" + requested + " exceeds the system limit " + limitName + "=" + limit
                            + " set in " + limitFile);
        }
        return requested;
    }

    private static String describe(Access access) {
        return access == Access.SEND ? "writing" : access == Access.RECEIVE ? "reading" : "reading and writing";
    }

    private static IpcException openFailure(PosixQueueSpec spec, int flags, int errno) {
        String object = "\"" + spec.name + "\", " + QueueCalls.describeOpenFlags(flags);
        String detail;
        switch (errno) {
            case Errno.ENOENT:
                detail = "no such queue";
                break;
            case Errno.EACCES:
                detail = "the queue's mode does not allow " + describe(spec.access) + " to this user"
                        + (spec.access == Access.SEND_AND_RECEIVE
                        ? "; an endpoint that only sends or only receives can ask for less with access(Access.SEND)"
                        + " or access(Access.RECEIVE)" : "");
                break;
            case Errno.EMFILE:
                detail = "too many open descriptors, or the RLIMIT_MSGQUEUE bytes of this user are used up (ulimit -q)";
                break;
            case Errno.ENOSPC:
                detail = "the system-wide number of queues is reached (/proc/sys/fs/mqueue/queues_max)";
                break;
            case Errno.EINVAL:
                detail = "capacity beyond the limits in /proc/sys/fs/mqueue (msg_max, msgsize_max)";
                break;
            default:
                detail = null;
        }
        return new IpcException("mq_open", object, errno, detail);
    }

    /** The queue's name, {@code "/orders"}. */
    public String name() {
        return spec.name;
    }

    /** The queue descriptor, for tests. */
    int descriptor() {
        return mqd;
    }

    /** Whether this opening created the queue (and so removes it on dispose, if the spec says so). */
    public boolean created() {
        return created;
    }

    /** How many messages the queue holds before senders are held back ({@code mq_maxmsg}). */
    public int maxMessages() {
        return maxMessages;
    }

    /** The largest message the queue accepts, in bytes ({@code mq_msgsize}). */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /**
     * How many messages are in the queue right now ({@code mq_curmsgs} of {@code mq_getattr}).
     * Non-blocking; fails with {@link IllegalStateException} once disposed.
     */
    public long currentMessages() {
        if (!lifecycle.enter()) {
            throw new io.interflux.DisposedException(description);
        }
        try {
            ByteBuffer a = ByteBuffer.allocateDirect(QueueCalls.MQ_ATTR_SIZE).order(ByteOrder.nativeOrder());
            if (QueueCalls.lib().mq_getattr(mqd, Native.address(a)) < 0) {
                throw IpcException.fromErrno("mq_getattr", description, Native.errno());
            }
            return a.getLong(QueueCalls.MQ_ATTR_CURMSGS);
        } finally {
            lifecycle.exit();
        }
    }

    /**
     * Puts every message of {@code messages} in the queue, each with its own priority, and
     * completes when the last one is in. A full queue holds the publisher back: the send waits
     * for room ({@code EPOLLOUT}) and only then requests more; nothing is dropped. A message
     * larger than {@link #maxMessageSize()} fails the send with a
     * {@link FrameTooLargeException} before it reaches the queue; those before it are in.
     * Several sends may run at once; the kernel interleaves their messages. Lazy: nothing
     * happens until subscribed.
     *
     * <p>The send requests up to 32 messages ahead of what the queue has
     * taken. A publisher that takes them from somewhere else ({@code results.send(jobs.receive()
     * .map(work))}) therefore holds up to that many out of their source early; to take one at a
     * time, {@code concatMap(work, 0)} in between.
     */
    public Mono<Void> send(Publisher<? extends PosixMessage> messages) {
        if (!spec.access.sends()) {
            return Mono.error(new IllegalStateException(description + " was opened receive-only (access(Access.RECEIVE)):"
                    + " it cannot send"));
        }
        return new MessageSend<>(description, lifecycle, messages, () -> new Sender(this),
                sink -> new SpinningReadiness(readiness.writable(), SPIN_NANOS), SEND_PREFETCH).metered(spec.metrics);
    }

    /** Sends values encoded by {@code codec}, all with priority 0. See {@link #send(Publisher)}. */
    public <T> Mono<Void> send(Publisher<? extends T> values, Codec<T> codec) {
        return send(values, codec, v -> 0);
    }

    /** Sends values encoded by {@code codec}, each with the priority {@code priority} gives it. */
    public <T> Mono<Void> send(Publisher<? extends T> values, Codec<T> codec, ToIntFunction<? super T> priority) {
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(priority, "priority");
        return send(Flux.<T>from(values).map(v -> PosixMessage.of(v, codec, priority.applyAsInt(v))));
    }

    /**
     * The queue's messages, the highest priority first and, within a priority, oldest first, as
     * the kernel orders them. A message is taken out of the queue only for outstanding demand:
     * without demand messages stay in the kernel and senders are held back once it is full. An
     * empty queue is waited for on the event loop ({@code EPOLLIN}), with no thread. Several
     * subscribers compete for messages, each message going to one of them, as with separate
     * processes; the flux completes when the queue is disposed.
     */
    public Flux<PosixMessage> receive() {
        if (!spec.access.receives()) {
            return Flux.error(new IllegalStateException(description + " was opened send-only (access(Access.SEND)):"
                    + " it cannot receive"));
        }
        return receive;
    }

    /** The payloads of {@link #receive()} decoded by {@code codec}. */
    public <T> Flux<T> receive(Codec<T> codec) {
        Objects.requireNonNull(codec, "codec");
        return receive().map(m -> codec.decode(m.bytes()));
    }

    /**
     * An emitter into the queue: {@link io.interflux.Emitter#tryEmitNext(Object)} is one
     * non-blocking {@code mq_send}: {@code OK} when the message is in, {@code FAIL_OVERFLOW} when
     * the queue holds {@link #maxMessages()} messages already and nothing was sent,
     * {@code FAIL_TERMINATED} once disposed. A message over {@link #maxMessageSize()} throws
     * {@link FrameTooLargeException}. Concurrent emissions on one emitter answer
     * {@code FAIL_NON_SERIALIZED}; take one emitter per thread.
     */
    public io.interflux.Emitter<PosixMessage> emitter() {
        if (!spec.access.sends()) {
            throw new IllegalStateException(description + " was opened receive-only (access(Access.RECEIVE)): it cannot send");
        }
        return new io.interflux.internal.drain.SinkEmitter<>(description, lifecycle, new Sender(this), spec.metrics);
    }

    /** An emitter of values encoded by {@code codec}, all with {@code priority}; see {@link #emitter()}. */
    public <T> io.interflux.Emitter<T> emitter(Codec<T> codec, int priority) {
        Objects.requireNonNull(codec, "codec");
        return io.interflux.internal.drain.SinkEmitter.mapped(emitter(), v -> PosixMessage.of(v, codec, priority));
    }

    /**
     * Closes the descriptor once the running streams have ended (a receive completes, a send
     * fails with {@link java.util.concurrent.CancellationException}) and, if this opening
     * created the queue and the spec says so, unlinks it. Never blocks; idempotent.
     */
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
            readiness.cancel();
            QueueCalls.lib().mq_close(mqd);
            if (created && spec.removeOnDispose) {
                QueueCalls.lib().mq_unlink(spec.name);
            }
        } finally {
            spec.metrics.closed();
        }
    }

    @Override
    public String toString() {
        return "PosixQueue[" + spec.name + ", maxMessages=" + maxMessages + ", maxMessageSize=" + maxMessageSize + "]";
    }

    /** Receives into one direct buffer of the queue's message size, the priority after it. */
    static final class Receiver implements MessageSource<PosixMessage> {
        private final PosixQueue queue;
        private final ByteBuffer buffer;
        private final long address;
        private final int priorityOffset;

        Receiver(PosixQueue queue) {
            this.queue = queue;
            this.priorityOffset = (queue.maxMessageSize + 7) & ~7;
            this.buffer = ByteBuffer.allocateDirect(priorityOffset + 8).order(ByteOrder.nativeOrder());
            this.address = Native.address(buffer);
        }

        @Override
        public PosixMessage poll(WorkBudget budget) {
            if (!budget.spend()) {
                return null;
            }
            for (;;) {
                long n = QueueCalls.lib().mq_receive(queue.mqd, address, queue.maxMessageSize, address + priorityOffset);
                if (n >= 0) {
                    queue.spec.metrics.bytesReceived(n);
                    byte[] payload = new byte[(int) n];
                    buffer.get(0, payload);
                    return PosixMessage.received(payload, buffer.getInt(priorityOffset));
                }
                int errno = Native.errno();
                if (errno == Errno.EAGAIN) {
                    return null;
                }
                if (errno != Errno.EINTR) {
                    throw IpcException.fromErrno("mq_receive", queue.description, errno);
                }
            }
        }
    }

    /** Sends from one direct buffer of the queue's message size. */
    static final class Sender implements MessageSink<PosixMessage> {
        private final PosixQueue queue;
        private final ByteBuffer buffer;
        private final long address;

        Sender(PosixQueue queue) {
            this.queue = queue;
            this.buffer = ByteBuffer.allocateDirect(Math.max(1, queue.maxMessageSize));
            this.address = Native.address(buffer);
        }

        @Override
        public boolean offer(PosixMessage message, WorkBudget budget) {
            byte[] payload = message.bytes();
            if (payload.length > queue.maxMessageSize) {
                throw new FrameTooLargeException("message (mq_msgsize)", queue.description,
                        queue.maxMessageSize, payload.length);
            }
            if (!budget.spend()) {
                return false;
            }
            buffer.put(0, payload);
            for (;;) {
                if (QueueCalls.lib().mq_send(queue.mqd, address, payload.length, message.priority()) == 0) {
                    queue.spec.metrics.bytesSent(payload.length);
                    return true;
                }
                int errno = Native.errno();
                if (errno == Errno.EAGAIN) {
                    return false;
                }
                if (errno != Errno.EINTR) {
                    throw IpcException.fromErrno("mq_send", queue.description, errno);
                }
            }
        }
    }
}
