package io.interflux.pipe;

import io.interflux.InterfluxException;

/**
 * A child process exited with a non-zero status, or was killed by a signal.
 *
 * <p>Raised by {@link ChildProcess#succeeded()}. When the child's stderr was captured (the
 * default, {@link Stdio#capture()}), the message ends with the last bytes the child wrote there,
 * which usually say why it failed.
 */
public class ChildExitException extends InterfluxException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String stderrTail;

    ChildExitException(String process, int status, String stderrTail, long stderrBytes, Stdio stderr) {
        super(process + " exited with status " + status + (status > 128 ? " (signal " + (status - 128) + ")" : "")
                + describe(stderrTail, stderrBytes, stderr), process);
        this.status = status;
        this.stderrTail = stderrTail;
    }

    private static String describe(String tail, long bytes, Stdio stderr) {
        if (stderr.kind != Stdio.Kind.CAPTURE) {
            return "; its stderr was not captured (" + stderr + ")";
        }
        if (bytes == 0) {
            return "; it wrote nothing to stderr";
        }
        String kept = bytes > stderr.captureBytes ? " (the last " + stderr.captureBytes + " of " + bytes + " bytes)" : "";
        return "; its stderr" + kept + ":\n" + tail.stripTrailing();
    }

    /** The exit status: the exit code, or 128 + the signal number. */
    public int status() {
        return status;
    }

    /** The last bytes of the child's stderr as text; empty when stderr was not captured. */
    public String stderrTail() {
        return stderrTail;
    }
}
