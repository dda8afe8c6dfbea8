package io.interflux.signal;

import io.interflux.UnixSignal;

import java.util.Objects;

/**
 * A signal that Interflux will not listen to, because the kernel, the JVM or the JVM's own
 * machinery owns it. The message names the signal and the reason, for example
 * {@code "SIGKILL cannot be received: the kernel never lets a process catch, block or ignore it"}.
 *
 * <p>It is an {@link IllegalArgumentException}: asking for such a signal is a mistake in the
 * program, not an operating-system failure.
 */
public final class SignalRefusedException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final transient UnixSignal signal;
    private final String reason;

    /**
     * @param signal the signal refused
     * @param reason why, as a sentence fragment
     * @param cause  the JVM's own refusal, or {@code null}
     */
    public SignalRefusedException(UnixSignal signal, String reason, Throwable cause) {
        super(Objects.requireNonNull(signal, "signal") + " cannot be received: "
                + Objects.requireNonNull(reason, "reason"), cause);
        this.signal = signal;
        this.reason = reason;
    }

    /** The signal refused. */
    public UnixSignal signal() {
        return signal;
    }

    /** Why it was refused. */
    public String reason() {
        return reason;
    }
}
