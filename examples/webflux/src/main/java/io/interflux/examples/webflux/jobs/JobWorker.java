package io.interflux.examples.webflux.jobs;

import io.interflux.Access;
import io.interflux.Codec;
import io.interflux.Creation;
import io.interflux.Framing;
import io.interflux.mqueue.PosixMessage;
import io.interflux.mqueue.PosixQueue;
import io.interflux.pipe.StandardStreams;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * The worker: a child JVM the application starts ({@link WorkerProcess}) that takes jobs from the
 * jobs queue, digests each (lines, words, SHA-256) and puts the result into the results queue.
 *
 * <p>It takes the next job only once the last result is in the results queue, so a results
 * queue nobody empties stops it, and the jobs queue then fills: backpressure from the HTTP
 * client of {@code GET /jobs/results} back to {@code POST /jobs}. It ends when its stdin reaches
 * end of file, which happens when the application closes it or dies: a worker never outlives
 * its application.
 *
 * <pre>{@code
 * java -cp <class path> io.interflux.examples.webflux.jobs.JobWorker /app-jobs /app-results
 * }</pre>
 */
public final class JobWorker {

    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(10);

    private JobWorker() {
    }

    /**
     * Works the queues named by {@code args[0]} (jobs) and {@code args[1]} (results), which must
     * exist, until stdin ends.
     */
    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: JobWorker <jobs queue> <results queue>, e.g. JobWorker /app-jobs /app-results");
            System.exit(2);
        }
        JsonMapper json = JsonMapper.builder().build();
        long pid = ProcessHandle.current().pid();
        PosixQueue jobs = PosixQueue.named(args[0]).creation(Creation.OPEN_EXISTING).access(Access.RECEIVE)
                .openNow(OPEN_TIMEOUT);
        PosixQueue results = PosixQueue.named(args[1]).creation(Creation.OPEN_EXISTING).access(Access.SEND)
                .openNow(OPEN_TIMEOUT);
        StandardStreams parent = StandardStreams.openNow(OPEN_TIMEOUT);
        try {
            // concatMap without prefetch: one job taken at a time, the next only once its result is in
            Mono<Void> work = jobs.receive(Codec.utf8())
                    .concatMap(text -> results.send(Mono.just(
                            PosixMessage.of(json.writeValueAsString(work(text, json, pid)), Codec.utf8(), 0))), 0)
                    .then();
            Mono<Void> parentGone = parent.receive(Framing.raw()).then();
            parent.send(Mono.just("worker " + pid + " ready: jobs from " + jobs.name() + ", results to " + results.name()),
                    Framing.lines(), Codec.utf8()).block(OPEN_TIMEOUT);
            Mono.firstWithSignal(work, parentGone).block();
        } finally {
            jobs.dispose();
            results.dispose();
            parent.dispose();
        }
    }

    /** The result of the job {@code text} (a {@link Job} as JSON), or a result naming why it failed. */
    static JobResult work(String text, JsonMapper json, long pid) {
        long t0 = System.nanoTime();
        Job job;
        try {
            job = json.readValue(text, Job.class);
        } catch (JacksonException e) {
            return new JobResult(null, pid, null, 0, 0, 0, null, 0, "not a job: " + e.getOriginalMessage());
        }
        String body = job.body() == null ? "" : job.body();
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String trimmed = body.strip();
        int words = trimmed.isEmpty() ? 0 : trimmed.split("\\s+").length;
        int lines = body.isEmpty() ? 0 : (int) body.lines().count();
        return new JobResult(job.id(), pid, job.contentType(), bytes.length, lines, words, sha256(bytes),
                (System.nanoTime() - t0) / 1000, null);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
