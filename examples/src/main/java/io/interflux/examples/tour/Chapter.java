package io.interflux.examples.tour;

import java.io.PrintStream;

/** One mechanism's chapter of the tour: it does something real and measures one table row. */
public interface Chapter {

    /** The chapter heading, {@code "Anonymous pipes to child processes"}. */
    String title();

    /**
     * Runs the demonstration, narrating to {@code out}, and returns the measured row. Must finish
     * in a few seconds and release everything it opened.
     */
    Row run(PrintStream out) throws Exception;

    /** A row of the comparison table: {@code IPC method | throughput | latency | data type | direction | best use}. */
    final class Row {
        final String method;
        final String throughput;
        final String latency;
        final String dataType;
        final String direction;
        final String bestUse;

        public Row(String method, String throughput, String latency, String dataType, String direction, String bestUse) {
            this.method = method;
            this.throughput = throughput;
            this.latency = latency;
            this.dataType = dataType;
            this.direction = direction;
            this.bestUse = bestUse;
        }

        String[] cells() {
            return new String[] {method, throughput, latency, dataType, direction, bestUse};
        }
    }
}
