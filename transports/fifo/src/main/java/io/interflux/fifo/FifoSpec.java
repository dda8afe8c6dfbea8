package io.interflux.fifo;

import io.interflux.MetricsRecorder;
import io.interflux.internal.metrics.Metering;
import io.interflux.internal.Spi;
import io.interflux.internal.Errno;
import io.interflux.Codec;
import io.interflux.Creation;
import io.interflux.EventLoop;
import io.interflux.Framing;
import io.interflux.IpcException;
import io.interflux.internal.FdWriter;
import io.interflux.internal.Native;
import io.interflux.internal.Poller;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An immutable description of one end of a named pipe: where it is, how it is created, framed
 * and encoded, and how its readers and writers behave.
 *
 * <p>Each method returns a new spec; nothing touches the file system until {@link #openReader()},
 * {@link #openWriter()}, {@link #receive()} or {@link #send(Publisher)} is subscribed.
 *
 * <p>Defaults: mode {@code 0600}, created if absent and then removed on dispose, {@link Framing#lines()},
 * {@link Codec#bytes()}, a reader that completes when its last writer leaves, a writer that waits
 * for a reader and shares the FIFO with other writers, 64 KiB reads, {@link EventLoop#shared()}.
 *
 * <pre>{@code
 * FifoSpec<String> inbox = Fifo.at(dir.resolve("inbox"))
 *     .codec(Codec.utf8())
 *     .persistent(true)          // stay open while writers come and go
 *     .removeOnDispose(true);
 * inbox.receive().subscribe(System.out::println);
 * }</pre>
 *
 * @param <T> the values carried, one per frame
 */
public final class FifoSpec<T> {

    /** The mode a created FIFO gets unless told otherwise: read and write for the owner only. */
    public static final int DEFAULT_MODE = 0600;
    /** Default bytes per {@code read(2)}, and per {@code write(2)} of a single writer. */
    public static final int DEFAULT_BUFFER_SIZE = 64 * 1024;
    /** First pause of a writer waiting for a reader; it doubles up to {@link #READER_POLL_MAX}. */
    static final Duration READER_POLL_MIN = Duration.ofMillis(1);
    /** Longest pause of a writer waiting for a reader, hence the most latency it adds once one comes. */
    static final Duration READER_POLL_MAX = Duration.ofMillis(50);

    final Path path;
    final int mode;
    final Creation creation;
    final boolean removeOnDispose;
    final Framing framing;
    final Codec<T> codec;
    final boolean persistent;
    final boolean waitForReader;
    final boolean singleWriter;
    final int bufferSize;
    final EventLoop loop;
    final MetricsRecorder metrics;

    private FifoSpec(Path path, int mode, Creation creation, boolean removeOnDispose, Framing framing, Codec<T> codec,
                     boolean persistent, boolean waitForReader, boolean singleWriter, int bufferSize, EventLoop loop, MetricsRecorder metrics) {
        this.metrics = metrics;
        this.path = path;
        this.mode = mode;
        this.creation = creation;
        this.removeOnDispose = removeOnDispose;
        this.framing = framing;
        this.codec = codec;
        this.persistent = persistent;
        this.waitForReader = waitForReader;
        this.singleWriter = singleWriter;
        this.bufferSize = bufferSize;
        this.loop = loop;
    }

    static FifoSpec<byte[]> of(Path path) {
        return new FifoSpec<>(path, DEFAULT_MODE, Creation.OPEN_OR_CREATE, true, Framing.lines(), Codec.bytes(),
                false, true, false, DEFAULT_BUFFER_SIZE, null, Metering.NONE);
    }

    /** The absolute path of the FIFO. */
    public Path path() {
        return path;
    }

    /**
     * The permission bits a FIFO created by this spec gets, exactly: the process umask neither
     * widens nor narrows them. An existing FIFO keeps its mode. {@value #DEFAULT_MODE} (octal) by default.
     *
     * @param mode permission bits, {@code 0} to {@code 0777}
     */
    public FifoSpec<T> mode(int mode) {
        if ((mode & ~0777) != 0) {
            throw new IllegalArgumentException("mode must be permission bits within 0777, but it was 0"
                    + Integer.toOctalString(mode));
        }
        return new FifoSpec<>(path, mode, creation, removeOnDispose, framing, codec, persistent, waitForReader,
                singleWriter, bufferSize, loop, metrics);
    }

    /**
     * Whether opening may create the FIFO ({@code mkfifo}): {@link Creation#OPEN_OR_CREATE} by
     * default; {@link Creation#OPEN_EXISTING} fails an absent path with {@code ENOENT},
     * {@link Creation#CREATE_NEW} fails an existing one with {@code EEXIST}.
     */
    public FifoSpec<T> creation(Creation creation) {
        return new FifoSpec<>(path, mode, Objects.requireNonNull(creation, "creation"), removeOnDispose, framing, codec,
                persistent, waitForReader, singleWriter, bufferSize, loop, metrics);
    }

    /**
     * Whether disposing an endpoint removes the FIFO that its opening created; {@code true} by
     * default, as for every named object. A FIFO this process did not create is never removed,
     * nor is one that has been replaced at the path meanwhile.
     */
    public FifoSpec<T> removeOnDispose(boolean remove) {
        return new FifoSpec<>(path, mode, creation, remove, framing, codec, persistent, waitForReader,
                singleWriter, bufferSize, loop, metrics);
    }

    /** How the byte stream is cut into frames; {@link Framing#lines()} by default. */
    public FifoSpec<T> framing(Framing framing) {
        return new FifoSpec<>(path, mode, creation, removeOnDispose, Objects.requireNonNull(framing, "framing"), codec,
                persistent, waitForReader, singleWriter, bufferSize, loop, metrics);
    }

    /** How frames become values; {@link Codec#bytes()} by default. */
    public <U> FifoSpec<U> codec(Codec<U> codec) {
        return new FifoSpec<>(path, mode, creation, removeOnDispose, framing, Objects.requireNonNull(codec, "codec"),
                persistent, waitForReader, singleWriter, bufferSize, loop, metrics);
    }

    /**
     * How a reader treats writers leaving. {@code false} (the default) reads like {@code cat}: the
     * stream waits for the first writer, and completes once every writer has closed, even a writer
     * that wrote nothing. {@code true} makes a persistent inbox: the stream stays open while writers
     * come and go and ends only when cancelled or disposed; nothing is lost or reordered across
     * reconnects, since the FIFO stays open in between.
     */
    public FifoSpec<T> persistent(boolean persistent) {
        return new FifoSpec<>(path, mode, creation, removeOnDispose, framing, codec, persistent, waitForReader,
                singleWriter, bufferSize, loop, metrics);
    }

    /**
     * Whether a writer opened while no process reads the FIFO waits for one (the default), or fails
     * at once with an {@code ENXIO} {@link IpcException}.
     */
    public FifoSpec<T> waitForReader(boolean wait) {
        return new FifoSpec<>(path, mode, creation, removeOnDispose, framing, codec, persistent, wait,
                singleWriter, bufferSize, loop, metrics);
    }

    /**
     * Declares whether this process is the FIFO's only writer. By default ({@code false}) several
     * writers may share it: each frame goes into the FIFO whole, never interleaved with another
     * writer's bytes, and a frame whose encoded size (framing included) exceeds
     * {@value Fifo#PIPE_BUF} bytes fails the send with {@link io.interflux.FrameTooLargeException}.
     * {@code true} lifts that limit and writes in buffers of {@link #bufferSize(int)} bytes; another
     * writer on the FIFO could then see its frames split.
     */
    public FifoSpec<T> singleWriter(boolean single) {
        return new FifoSpec<>(path, mode, creation, removeOnDispose, framing, codec, persistent, waitForReader,
                single, bufferSize, loop, metrics);
    }

    /**
     * Bytes per {@code read(2)}, and per {@code write(2)} of a single writer, while the stream is
     * busy; {@value #DEFAULT_BUFFER_SIZE} by default. A quiet stream reads and writes through 4 KiB.
     */
    public FifoSpec<T> bufferSize(int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("bufferSize > 0 required but it was " + bytes);
        }
        return new FifoSpec<>(path, mode, creation, removeOnDispose, framing, codec, persistent, waitForReader,
                singleWriter, bytes, loop, metrics);
    }

    /** The event loop that watches the FIFO's descriptors; {@link EventLoop#shared()} by default. */
    public FifoSpec<T> eventLoop(EventLoop loop) {
        return new FifoSpec<>(path, mode, creation, removeOnDispose, framing, codec, persistent, waitForReader,
                singleWriter, bufferSize, Objects.requireNonNull(loop, "loop"), metrics);
    }

    /**
     * Opens the FIFO for reading when subscribed, creating it first if the spec says so. Never
     * waits: a FIFO reader opens at once, and {@link FifoReader#receive()} waits for writers.
     * Needs read permission only ({@code O_RDONLY}), like {@code cat}.
     * Fails with an {@link IpcException} when the path is a symbolic link, not a FIFO, or absent
     * and not to be created.
     */
    public Mono<FifoReader<T>> openReader() {
        return Mono.fromCallable(this::openReaderAtOnce);
    }

    /**
     * Opens the FIFO for writing when subscribed, creating it first if the spec says so.
     *
     * <p>While no process has the FIFO open for reading, a non-blocking open fails with
     * {@code ENXIO}. With {@link #waitForReader(boolean)} (the default) the open is retried on a
     * Reactor timer, after 1 ms, then doubling up to 50 ms between tries:
     * no thread waits and nothing spins. A timer rather than inotify: {@code IN_OPEN} is reported
     * only once an open has <em>returned</em>, and a blocking reader such as {@code cat fifo} stays
     * inside {@code open(2)} until a writer appears, so writer and reader would wait for each other
     * forever; the kernel counts such a reader as soon as it starts waiting, which a retried open
     * sees. The price is up to 50 ms of delay after a late reader arrives.
     * Bound the wait with {@code timeout(...)}; cancelling stops it and releases everything.
     */
    public Mono<FifoWriter<T>> openWriter() {
        return Mono.defer(() -> {
            AtomicBoolean handedOver = new AtomicBoolean();
            return Mono.using(() -> FifoFile.pin(path, mode, creation),
                    file -> attemptWriter(file).doOnNext(w -> handedOver.set(true)),
                    file -> {
                        Runnable unlink = file.unlinker();
                        file.unpin();
                        if (!handedOver.get() && removeOnDispose && unlink != null) {
                            unlink.run();
                        }
                    });
        });
    }

    /**
     * Opens a reader, streams its values and closes it when the stream ends: the FIFO's frames
     * decoded, read only while there is demand. See {@link FifoReader#receive()}.
     */
    public Flux<T> receive() {
        return Flux.using(this::openReaderAtOnce, FifoReader::receive, FifoReader::dispose);
    }

    /**
     * Opens a writer (waiting for a reader as {@link #openWriter()} does), writes every value and
     * closes it, so a {@code cat}-like reader then sees end of stream. See {@link FifoWriter#send(Publisher)}.
     */
    public Mono<Void> send(Publisher<? extends T> values) {
        Objects.requireNonNull(values, "values");
        return Mono.usingWhen(openWriter(), w -> w.send(values), w -> Mono.fromRunnable(w::dispose));
    }

    /**
     * {@link #openReader()}, blocking the calling thread for at most {@code timeout}: for
     * {@code main} methods and tests only, never on a non-blocking thread.
     */
    public FifoReader<T> openReaderNow(Duration timeout) {
        return openReader().block(timeout);
    }

    /**
     * {@link #openWriter()}, blocking the calling thread until a reader comes, for at most
     * {@code timeout}: for {@code main} methods and tests only, never on a non-blocking thread.
     */
    public FifoWriter<T> openWriterNow(Duration timeout) {
        return openWriter().block(timeout);
    }

    private FifoReader<T> openReaderAtOnce() {
        FifoFile file = FifoFile.pin(path, mode, creation);
        Runnable unlink = file.unlinker();
        try {
            int readFd = file.open(Native.O_RDONLY);
            if (readFd < 0) {
                throw new IpcException("open", path + ", O_RDONLY", -readFd, -readFd == Errno.EACCES
                        ? "the FIFO's mode does not let this user read it" : null);
            }
            Poller poller = Spi.poller(loop());
            return new FifoReader<>(this, poller, readFd, removeOnDispose ? unlink : null);
        } catch (RuntimeException e) {
            if (removeOnDispose && unlink != null) {
                unlink.run();
            }
            throw e;
        } finally {
            file.unpin();
        }
    }

    private Mono<FifoWriter<T>> attemptWriter(FifoFile file) {
        // one try: the writer, or empty while no process reads the FIFO (ENXIO) and we may wait.
        // Waiting by repeating an empty try, not by retrying an error: a try that ends after a
        // cancel then has nothing to drop and log.
        Mono<FifoWriter<T>> attempt = Mono.fromCallable(() -> {
            int fd = file.open(Native.O_WRONLY);
            if (fd >= 0) {
                return new FifoWriter<>(this, writerFor(fd), removeOnDispose ? file.unlinker() : null);
            }
            if (-fd == Errno.ENXIO && waitForReader) {
                return null;
            }
            throw new IpcException("open", path + ", O_WRONLY", -fd, -fd == Errno.ENXIO
                    ? "no process has the FIFO open for reading (waitForReader is off)"
                    : -fd == Errno.EACCES ? "the FIFO's mode does not let this user write it" : null);
        });
        if (!waitForReader) {
            return attempt;
        }
        return attempt.repeatWhenEmpty(Integer.MAX_VALUE, tries -> tries.concatMap(n -> Mono.delay(readerPoll(n))))
                // a writer opened by a try that raced a cancel is closed, not leaked
                .doOnDiscard(FifoWriter.class, FifoWriter::dispose);
    }

    /** The pause before try {@code n + 1}: 1 ms doubling up to {@link #READER_POLL_MAX}. */
    static Duration readerPoll(long n) {
        long millis = READER_POLL_MIN.toMillis() << Math.min(n, 16);
        return millis >= READER_POLL_MAX.toMillis() ? READER_POLL_MAX : Duration.ofMillis(millis);
    }

    /**
     * Core's writer; on a shared FIFO in atomic mode, so each {@code write(2)} carries whole
     * frames and at most {@value Fifo#PIPE_BUF} bytes, which the kernel never interleaves.
     */
    private FdWriter writerFor(int fd) {
        return new FdWriter(Spi.poller(loop()), fd, "FIFO " + path, bufferSize, singleWriter ? 0 : Fifo.PIPE_BUF)
                .metered(metrics);
    }

    EventLoop loop() {
        return loop != null ? loop : EventLoop.shared();
    }

    @Override
    public String toString() {
        return "FifoSpec[" + path + ", mode=0" + Integer.toOctalString(mode) + ", " + framing + ", " + codec
                + (persistent ? ", persistent" : "") + (singleWriter ? ", single writer" : "") + "]";
    }

    /**
     * Turns on Micrometer meters for what this spec opens ({@code true}), tagged
     * {@code mechanism=fifo} and {@code name=fifo}; see {@link MetricsRecorder#micrometer(String, String)}
     * for the meters. Off by default, and then nothing of Micrometer is loaded.
     *
     * @throws IllegalStateException when {@code io.micrometer:micrometer-core} is not on the class path
     */
    public FifoSpec<T> metrics(boolean enable) {
        return metrics(Metering.enabled(enable, "fifo"));
    }

    /**
     * Turns on Micrometer meters tagged {@code mechanism=fifo} and {@code name=<name>}: a fixed
     * name of your choosing (1 to 64 characters of {@code [A-Za-z0-9._-]}), never a path or an id.
     *
     * @throws IllegalStateException when {@code io.micrometer:micrometer-core} is not on the class path
     */
    public FifoSpec<T> metrics(String name) {
        return metrics(MetricsRecorder.micrometer("fifo", name));
    }

    /** Reports to a recorder of your own instead of Micrometer's; {@link MetricsRecorder} says what it is told. */
    public FifoSpec<T> metrics(MetricsRecorder recorder) {
        MetricsRecorder metrics = Metering.custom(recorder);
        return new FifoSpec<>(path, mode, creation, removeOnDispose, framing, codec, persistent, waitForReader, singleWriter, bufferSize, loop,
                metrics);
    }
}
