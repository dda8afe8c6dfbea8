package io.interflux.examples.tour;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.UnixSignal;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.Stdio;
import io.interflux.signal.SignalEvent;
import io.interflux.signal.Signals;
import reactor.core.Disposable;
import reactor.core.publisher.Sinks;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Signals: a ping-pong of SIGUSR1 between this JVM and a child JVM, both listening with
 * {@link Signals#receive(UnixSignal...)} and answering with {@link Signals#send(long, UnixSignal)}. Each
 * side sends only after it has received, so no signal is ever pending when the next is sent
 * and the kernel has nothing to merge. Half a round trip is the delivery latency from
 * {@code send} in one process to {@code onNext} in the other.
 */
public final class SignalChapter implements Chapter {

    private static final Duration LIMIT = Duration.ofSeconds(30);
    private static final int WARM_UP = 300;
    private static final int ROUND_TRIPS = 2000;

    @Override
    public String title() {
        return "Signals between processes";
    }

    @Override
    public Row run(PrintStream out) throws Exception {
        out.println("   refused, with a reason: " + Signals.refusal(UnixSignal.SIGKILL).map(r -> "SIGKILL: " + r).orElse("?"));
        out.println("                           " + Signals.refusal(UnixSignal.SIGQUIT).map(r -> "SIGQUIT: " + r).orElse("?"));

        int total = WARM_UP + ROUND_TRIPS;
        long[] sentAt = new long[1];
        long[] rtt = new long[total];
        int[] count = new int[1];
        long[] missed = new long[1];
        Sinks.Empty<Void> done = Sinks.empty();
        ChildProcess[] echo = new ChildProcess[1];

        // listen before the child exists: its SIGUSR1 would otherwise end this JVM
        Disposable listening = Signals.receive(UnixSignal.SIGUSR1).subscribe((SignalEvent e) -> {
            long now = System.nanoTime();
            int i = count[0]++;
            rtt[i] = now - sentAt[0];
            missed[0] += e.missedBefore();
            if (i + 1 < total) {
                sentAt[0] = System.nanoTime();
                Signals.send(echo[0].pid(), UnixSignal.SIGUSR1).subscribe();
            } else {
                done.tryEmitEmpty();
            }
        });
        try {
            echo[0] = ChildProcess.command(javaCommand(Echo.class, String.valueOf(ProcessHandle.current().pid())))
                    .stderr(Stdio.inherit()).start().block(LIMIT);
            String ready = echo[0].stdout(Framing.lines(), Codec.utf8()).next().block(LIMIT);
            if (!"ready".equals(ready)) {
                throw new IllegalStateException("the echo child said " + ready + " instead of ready");
            }
            long t0 = System.nanoTime();
            sentAt[0] = t0;
            Signals.send(echo[0].pid(), UnixSignal.SIGUSR1).block(LIMIT);
            done.asMono().block(LIMIT);
            double seconds = (System.nanoTime() - t0) / 1e9;

            long[] measured = Arrays.copyOfRange(rtt, WARM_UP, total);
            Arrays.sort(measured);
            double p50 = measured[ROUND_TRIPS / 2] / 2e3;
            double p99 = measured[ROUND_TRIPS * 99 / 100] / 2e3;
            double perSecond = 2.0 * total / seconds;
            out.printf("   SIGUSR1 ping-pong with a child JVM (pid %d), %d round trips after %d to warm up, %d missed%n",
                    echo[0].pid(), ROUND_TRIPS, WARM_UP, missed[0]);
            out.printf("   delivery latency, send -> onNext in the other process (half a round trip): p50 %.1f us, p99 %.1f us%n",
                    p50, p99);
            out.printf("   %.0f signals/s one after another; a burst without waiting is merged by the kernel%n", perSecond);
            return new Row("signal", String.format("%.0f signals/s", perSecond), String.format("%.0f us p50 one-way", p50),
                    "signal number only", "one-way, any process", "notifications, reload, graceful shutdown");
        } finally {
            if (echo[0] != null) {
                echo[0].closeStdin().onErrorResume(e -> reactor.core.publisher.Mono.empty()).block(LIMIT);
                echo[0].exit().timeout(Duration.ofSeconds(5)).onErrorResume(e -> reactor.core.publisher.Mono.empty()).block();
                echo[0].dispose();
            }
            listening.dispose();
        }
    }

    /** {@code java -cp <this classpath> <main> <args>}, with the java running this JVM and the flags Interflux needs. */
    static List<String> javaCommand(Class<?> main, String... args) {
        String java = ProcessHandle.current().info().command()
                .filter(c -> Files.isExecutable(Path.of(c)))
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new java.util.ArrayList<>(List.of(java, "-Xmx64m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The child: answers every SIGUSR1 with a SIGUSR1 to the pid in {@code args[0]}; exits when stdin ends. */
    public static final class Echo {

        private Echo() {
        }

        /**
         * Echoes SIGUSR1 to a process until stdin ends.
         *
         * @param args the pid to answer
         */
        public static void main(String[] args) throws Exception {
            long parent = Long.parseLong(args[0]);
            Signals.receive(UnixSignal.SIGUSR1).subscribe(e -> Signals.send(parent, UnixSignal.SIGUSR1).subscribe());
            System.out.println("ready");
            System.out.flush();
            InputStream in = System.in;
            while (in.read() >= 0) {
                // wait for end of input
            }
            System.exit(0);
        }
    }
}
