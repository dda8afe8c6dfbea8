package io.interflux.examples.webflux;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The example's settings, under {@code interflux.example.}.
 *
 * <pre>
 * interflux.example.heartbeat=5s
 * interflux.example.fifos.directory=/run/user/1000/fifos
 * interflux.example.ticker.period=1s
 * interflux.example.jobs.max-messages=10
 * </pre>
 *
 * @param heartbeat how often an idle stream sends a {@code heartbeat} event, so that proxies and
 *                  browsers keep the connection and a page can tell a quiet stream from a dead one
 * @param fifos     where the FIFOs of {@code GET /fifo/{name}} live
 * @param ticker    the child process behind {@code GET /ticker}
 * @param jobs      the queue behind {@code POST /jobs} and its worker
 */
@ConfigurationProperties("interflux.example")
public record ExampleProperties(@DefaultValue("5s") Duration heartbeat, @DefaultValue Fifos fifos,
                                @DefaultValue Ticker ticker, @DefaultValue Jobs jobs) {

    /** Checks the heartbeat, which {@link Heartbeat} would otherwise turn into a busy loop. */
    public ExampleProperties {
        if (heartbeat.isNegative() || heartbeat.isZero()) {
            throw new IllegalArgumentException("interflux.example.heartbeat must be positive but it was " + heartbeat);
        }
    }

    /**
     * @param directory     the directory the FIFOs are created in; {@code java.io.tmpdir/interflux-webflux/fifos}
     *                      by default, created with mode 0700 when absent
     * @param maxLineLength the longest line a FIFO stream accepts, in bytes; a longer one ends the
     *                      stream with a {@code failed} event
     */
    public record Fifos(Path directory, @DefaultValue("8192") int maxLineLength) {

        /** Fills in the default directory, which depends on {@code java.io.tmpdir}. */
        public Fifos {
            if (directory == null) {
                directory = Path.of(System.getProperty("java.io.tmpdir"), "interflux-webflux", "fifos");
            }
            if (maxLineLength <= 0) {
                throw new IllegalArgumentException("interflux.example.fifos.max-line-length > 0 required but it was "
                        + maxLineLength);
            }
        }
    }

    /**
     * @param period     the pause between two ticks of the ticker's shell loop
     * @param maxClients how many tickers (one child process each) may run at once; one more answers 503
     */
    public record Ticker(@DefaultValue("1s") Duration period, @DefaultValue("8") int maxClients) {

        /** Checks the values: the period goes to {@code sleep(1)}, which wants a positive number. */
        public Ticker {
            if (period.toMillis() <= 0) {
                throw new IllegalArgumentException("interflux.example.ticker.period must be at least 1 ms but it was " + period);
            }
            if (maxClients <= 0) {
                throw new IllegalArgumentException("interflux.example.ticker.max-clients > 0 required but it was " + maxClients);
            }
        }
    }

    /**
     * @param maxMessages    the jobs a queue holds before {@code POST /jobs} answers 503; at most the
     *                       system's {@code /proc/sys/fs/mqueue/msg_max}, to which a larger value is lowered
     * @param maxMessageSize the largest job message, in bytes (the body and its JSON envelope); at most
     *                       {@code /proc/sys/fs/mqueue/msgsize_max}, to which a larger value is lowered
     * @param workerJvmOptions the options of the worker's JVM, before its class path
     */
    public record Jobs(@DefaultValue("10") int maxMessages, @DefaultValue("8192") int maxMessageSize,
                       @DefaultValue({"-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                               "--enable-native-access=ALL-UNNAMED"}) List<String> workerJvmOptions) {

        /** Checks the sizes. */
        public Jobs {
            if (maxMessages <= 0 || maxMessageSize <= 0) {
                throw new IllegalArgumentException("interflux.example.jobs.max-messages and max-message-size must be"
                        + " positive but they were " + maxMessages + " and " + maxMessageSize);
            }
            workerJvmOptions = List.copyOf(workerJvmOptions);
        }
    }
}
