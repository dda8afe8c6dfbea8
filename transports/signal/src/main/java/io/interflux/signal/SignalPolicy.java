package io.interflux.signal;

import io.interflux.UnixSignal;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which signals Interflux refuses to listen to before even asking the JVM, and why.
 *
 * <p>Measured on HotSpot 17.0.15 and Temurin 25 ({@code sun.misc.Signal.handle} on Linux x86_64):
 * the VM itself refuses SIGQUIT, SIGILL, SIGFPE, SIGSEGV, SIGKILL and SIGSTOP with
 * {@code IllegalArgumentException: Signal already used by VM or OS}, and under {@code -Xrs} also
 * SIGHUP, SIGINT and SIGTERM. It accepts the rest, including two it relies on: SIGUSR2, its
 * thread suspend/resume signal (a Java handler then receives the JFR sampler's SIGUSR2s and the
 * sampler stops working), and SIGBUS, which turns a fault on a truncated mapped file into an
 * {@code InternalError}. This table closes those gaps and refuses the synchronous fault signals,
 * which a Java handler, running later on another thread, could only hide.
 */
final class SignalPolicy {

    /** HotSpot's environment variable that moves its suspend/resume signal away from SIGUSR2. */
    static final String SR_SIGNUM_ENV = "_JAVA_SR_SIGNUM";

    private static final Map<UnixSignal, String> REFUSED = new EnumMap<>(UnixSignal.class);

    static {
        String kernel = "the kernel never lets a process catch, block or ignore it";
        REFUSED.put(UnixSignal.SIGKILL, kernel);
        REFUSED.put(UnixSignal.SIGSTOP, kernel);
        REFUSED.put(UnixSignal.SIGQUIT, "the JVM owns it to print a thread dump (kill -3, jstack)");
        String fault = "it reports a synchronous fault on the thread that caused it, which the JVM or the kernel"
                + " must handle there; a Java handler runs later on another thread and would only hide the fault";
        for (UnixSignal s : new UnixSignal[] {UnixSignal.SIGILL, UnixSignal.SIGTRAP, UnixSignal.SIGBUS, UnixSignal.SIGFPE,
                UnixSignal.SIGSEGV, UnixSignal.SIGSYS}) {
            REFUSED.put(s, fault);
        }
        REFUSED.put(UnixSignal.SIGABRT, "abort() raises it when the process gives up, and the process ends"
                + " whatever a handler does");
    }

    private SignalPolicy() {
    }

    /** Why Interflux refuses {@code signal}, or empty when it asks the JVM. */
    static Optional<String> refusal(UnixSignal signal) {
        String reason = REFUSED.get(signal);
        if (reason != null) {
            return Optional.of(reason);
        }
        if (signal.number() == suspendResumeSignal()) {
            return Optional.of("the JVM suspends and resumes threads with it (JFR's sampler among others);"
                    + " a Java handler would swallow those and break them");
        }
        return Optional.empty();
    }

    /** Throws {@link SignalRefusedException} when {@code signal} is refused. */
    static void check(UnixSignal signal) {
        Optional<String> reason = refusal(signal);
        if (reason.isPresent()) {
            throw new SignalRefusedException(signal, reason.get(), null);
        }
    }

    /** HotSpot's suspend/resume signal: SIGUSR2 unless {@value #SR_SIGNUM_ENV} names another. */
    static int suspendResumeSignal() {
        String env = System.getenv(SR_SIGNUM_ENV);
        if (env != null) {
            try {
                return Integer.parseInt(env.trim());
            } catch (NumberFormatException e) {
                // HotSpot ignores a malformed value too and keeps its default
            }
        }
        return UnixSignal.SIGUSR2.number();
    }
}
