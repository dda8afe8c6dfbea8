package io.interflux.examples.webflux.jobs;

/**
 * A job as it travels through the jobs queue, one JSON object per message:
 * {@code {"id":"job-1","contentType":"text/plain","body":"hello world"}}. Plain JSON, so a worker
 * in any language could take the queue's jobs.
 *
 * @param id          the id {@code POST /jobs} answered with
 * @param contentType the media type the body was posted with
 * @param body        the body, as text
 */
public record Job(String id, String contentType, String body) {
}
