package io.interflux.examples.webflux.jobs;

/**
 * What the worker made of a {@link Job}, one JSON object per message of the results queue and per
 * {@code result} event of {@code GET /jobs/results}.
 *
 * @param id          the job's id
 * @param worker      the process id of the worker that did it
 * @param contentType the job's media type
 * @param bytes       the body's length in UTF-8 bytes
 * @param lines       its lines
 * @param words       its words (runs of non-blank characters)
 * @param sha256      the SHA-256 of the body's UTF-8 bytes, in hex
 * @param micros      how long the work took, in microseconds
 * @param error       why the job could not be done, or {@code null}
 */
public record JobResult(String id, long worker, String contentType, int bytes, int lines, int words, String sha256,
                        long micros, String error) {
}
