package io.interflux;

/**
 * The Linux signals Interflux can send and name, with their numbers (the same on x86_64 and
 * aarch64). Not called {@code Signal}, so that it and Reactor's {@code reactor.core.publisher.Signal}
 * can both be imported with a wildcard.
 */
public enum UnixSignal {
    SIGHUP(1), SIGINT(2), SIGQUIT(3), SIGILL(4), SIGTRAP(5), SIGABRT(6), SIGBUS(7), SIGFPE(8),
    SIGKILL(9), SIGUSR1(10), SIGSEGV(11), SIGUSR2(12), SIGPIPE(13), SIGALRM(14), SIGTERM(15),
    SIGCHLD(17), SIGCONT(18), SIGSTOP(19), SIGTSTP(20), SIGTTIN(21), SIGTTOU(22), SIGURG(23),
    SIGXCPU(24), SIGXFSZ(25), SIGVTALRM(26), SIGPROF(27), SIGWINCH(28), SIGIO(29), SIGPWR(30), SIGSYS(31);

    private final int number;

    UnixSignal(int number) {
        this.number = number;
    }

    /** The signal number, 15 for {@link #SIGTERM}. */
    public int number() {
        return number;
    }

    /** The signal with this number. */
    public static UnixSignal of(int number) {
        for (UnixSignal s : values()) {
            if (s.number == number) {
                return s;
            }
        }
        throw new IllegalArgumentException("no standard signal has number " + number);
    }
}
