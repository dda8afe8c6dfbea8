package io.interflux.examples.tour;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The Interflux tour: one chapter per mechanism, each doing real IPC with real processes and
 * measuring its row of the comparison table on the spot.
 *
 * <pre>{@code
 * mvn -q package -DskipTests && java -jar examples/target/interflux-tour.jar
 * }</pre>
 */
public final class Tour {

    private Tour() {
    }

    /** The chapters, in the order they are told. */
    static List<Chapter> chapters() {
        List<Chapter> chapters = new ArrayList<>();
        chapters.add(new PipeChapter());
        chapters.add(new FifoChapter());
        chapters.add(new MqueueChapter());
        chapters.add(new SignalChapter());
        chapters.add(new ShmChapter());
        chapters.add(new SyncChapter());
        chapters.add(new SocketChapter());
        chapters.add(new RpcChapter());
        return chapters;
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        long start = System.nanoTime();
        out.println("Interflux tour: Linux IPC as backpressure-aware Reactor streams");
        out.println("Every figure below was measured just now, on this machine.");
        List<Chapter.Row> rows = new ArrayList<>();
        int failed = 0;
        int n = 0;
        for (Chapter chapter : chapters()) {
            n++;
            out.println();
            out.println("== " + n + ". " + chapter.title() + " ==");
            try {
                rows.add(chapter.run(out));
            } catch (Exception | AssertionError e) {
                failed++;
                out.println("   chapter failed: " + e);
            }
        }
        out.println();
        out.println("== The table, measured ==");
        printTable(out, rows);
        out.printf("%nTour finished in %.1f s%n", (System.nanoTime() - start) / 1e9);
        System.exit(failed == 0 ? 0 : 1);
    }

    static void printTable(PrintStream out, List<Chapter.Row> rows) {
        String[] header = {"IPC method", "throughput", "latency", "data type", "direction", "best use"};
        int[] width = new int[header.length];
        for (int i = 0; i < header.length; i++) {
            width[i] = header[i].length();
            for (Chapter.Row r : rows) {
                width[i] = Math.max(width[i], r.cells()[i].length());
            }
        }
        printRow(out, header, width);
        String[] rule = new String[header.length];
        for (int i = 0; i < header.length; i++) {
            rule[i] = "-".repeat(width[i]);
        }
        printRow(out, rule, width);
        for (Chapter.Row r : rows) {
            printRow(out, r.cells(), width);
        }
    }

    private static void printRow(PrintStream out, String[] cells, int[] width) {
        StringBuilder sb = new StringBuilder("|");
        for (int i = 0; i < cells.length; i++) {
            sb.append(' ').append(String.format("%-" + width[i] + "s", cells[i])).append(" |");
        }
        out.println(sb);
    }
}
