package io.interflux.examples.webflux.fifo;

import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;

import java.util.regex.Pattern;

/**
 * The name of a FIFO in the application's FIFO directory, as a client gives it in
 * {@code GET /fifo/{name}}: 1 to 64 characters of {@code [A-Za-z0-9._-]}, not starting with a dot
 * and holding no {@code ..}, so it can only ever name a file directly inside that directory.
 *
 * @param value the validated name
 */
record FifoName(String value) {

    /** The longest name accepted: short enough for any file system, long enough to be descriptive. */
    static final int MAX_LENGTH = 64;

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0," + (MAX_LENGTH - 1) + "}");

    /** Checks the name: a client's text becomes part of a path here. */
    FifoName {
        if (value == null || !VALID.matcher(value).matches() || value.contains("..")) {
            throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "a FIFO name is 1 to " + MAX_LENGTH
                    + " characters of [A-Za-z0-9._-], not starting with '.' and without '..', but it was \""
                    + printable(value) + "\"");
        }
    }

    /** The name as it may be shown back to the client: control characters replaced, length capped. */
    private static String printable(String value) {
        if (value == null) {
            return "";
        }
        String shown = value.length() > MAX_LENGTH ? value.substring(0, MAX_LENGTH) + "..." : value;
        return shown.replaceAll("\\p{Cntrl}", "?");
    }

    @Override
    public String toString() {
        return value;
    }
}
