package io.interflux.it.pipe;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;

/**
 * The consumer of the producer/consumer test, run in a child JVM: reads one task per line from
 * stdin and answers {@code got <task>} on stdout, until the line {@code DONE} (exit 0) or end of
 * input (exit 3, the producer gave up).
 *
 * <p>It answers each task before reading the next one and flushes whenever no further input is
 * waiting, so a parent that sends one task at a time sees each answer before it sends again,
 * and a burst is answered without a flush per line. A write error (the parent went away) ends
 * it with status 2 instead of being swallowed as {@link System#out} would.
 */
public final class TaskWorker {

    private TaskWorker() {
    }

    /** Runs the worker; no arguments. */
    public static void main(String[] args) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
             BufferedWriter out = new BufferedWriter(new OutputStreamWriter(
                     new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8))) {
            for (String task = in.readLine(); task != null; task = in.readLine()) {
                if (task.equals("DONE")) {
                    out.flush();
                    System.exit(0);
                }
                out.write("got ");
                out.write(task);
                out.write('\n');
                if (!in.ready()) {
                    out.flush();
                }
            }
            out.flush();
            System.exit(3);
        } catch (IOException e) {
            System.exit(2);
        }
    }
}
