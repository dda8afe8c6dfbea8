package io.interflux.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A child JVM that runs a {@code main} class of the test's own class path: the peer process of a
 * test that needs one (a producer writing into a FIFO, a worker reading a queue, a process to
 * kill mid-stream). The command is {@code <java> <jvm options> -cp <java.class.path> <main class>
 * <args>}: the {@code java} of the running JVM and its class path, which surefire and failsafe set
 * to the whole test class path, so the child sees every class the test sees.
 *
 * <pre>{@code
 * ChildJvm.Finished done = ChildJvm.of(QueueProducer.class, "/jobs", "1000").run(Duration.ofSeconds(30));
 * assertThat(done.exitCode()).as(done.stderr()).isZero();
 *
 * Process peer = ChildJvm.of(FifoWriterPeer.class, fifo.toString()).start();   // yours to stop
 * ChildProcess worker = ChildJvm.of(Worker.class).as(ChildProcess::command).startNow(timeout);
 * }</pre>
 *
 * <p>With {@link #run(Duration)} the fixture owns the child: it waits for it and kills it (and
 * whatever it started) when the time is up, so a test never leaves it behind, even when it
 * fails. A {@link #start()}ed child is the test's to destroy; {@link #stop(Process, Duration)}
 * does it with its descendants. A child that maps a shared ring needs
 * {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED} among its options.
 *
 * <p>By default the child gets {@link #DEFAULT_JVM_OPTIONS}: a small heap, the serial collector
 * and C1 only, which start fastest on small machines. Instances are immutable.
 */
public final class ChildJvm {

    /** Options for a quick-starting, small child JVM. */
    public static final List<String> DEFAULT_JVM_OPTIONS =
            List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto");

    private final String mainClass;
    private final List<String> jvmOptions;
    private final List<String> args;
    private final Predicate<String> classPathEntries;

    private ChildJvm(String mainClass, List<String> jvmOptions, List<String> args, Predicate<String> classPathEntries) {
        this.mainClass = mainClass;
        this.jvmOptions = jvmOptions;
        this.args = args;
        this.classPathEntries = classPathEntries;
    }

    /** A child running {@code mainClass.main(args)}. */
    public static ChildJvm of(Class<?> mainClass, String... args) {
        return of(Objects.requireNonNull(mainClass, "mainClass").getName(), args);
    }

    /** A child running the {@code main} of the class named {@code mainClass}. */
    public static ChildJvm of(String mainClass, String... args) {
        Objects.requireNonNull(mainClass, "mainClass");
        return new ChildJvm(mainClass, DEFAULT_JVM_OPTIONS, copyOf(args), e -> true);
    }

    /** A copy whose JVM options (placed before {@code -cp}) replace the current ones. */
    public ChildJvm jvmOptions(String... options) {
        return new ChildJvm(mainClass, copyOf(options), args, classPathEntries);
    }

    /** A copy whose JVM options are the current ones followed by {@code options}. */
    public ChildJvm addJvmOptions(String... options) {
        List<String> all = new ArrayList<>(jvmOptions);
        all.addAll(copyOf(options));
        return new ChildJvm(mainClass, List.copyOf(all), args, classPathEntries);
    }

    /** A copy whose program arguments replace the current ones. */
    public ChildJvm args(String... arguments) {
        return new ChildJvm(mainClass, jvmOptions, copyOf(arguments), classPathEntries);
    }

    /**
     * A copy whose class path leaves out the entries whose file name starts with
     * {@code fileNamePrefix}: a child that must run without a library ({@code "micrometer-"}) to
     * show what happens then.
     */
    public ChildJvm withoutClassPathEntries(String fileNamePrefix) {
        Objects.requireNonNull(fileNamePrefix, "fileNamePrefix");
        Predicate<String> keep = classPathEntries.and(e -> {
            Path name = Path.of(e).getFileName();
            return name == null || !name.toString().startsWith(fileNamePrefix);
        });
        return new ChildJvm(mainClass, jvmOptions, args, keep);
    }

    /** The whole command line, executable first. */
    public List<String> command() {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaExecutable());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(Arrays.stream(classPath().split(java.io.File.pathSeparator)).filter(classPathEntries)
                .collect(Collectors.joining(java.io.File.pathSeparator)));
        cmd.add(mainClass);
        cmd.addAll(args);
        return List.copyOf(cmd);
    }

    /**
     * The command line handed to a launcher of your choice: Interflux's own, to talk to the
     * child over its pipes, is {@code jvm.as(ChildProcess::command)}, a spec to start.
     */
    public <R> R as(java.util.function.Function<? super List<String>, R> launcher) {
        return Objects.requireNonNull(launcher, "launcher").apply(command());
    }

    /** Starts the child, its output inherited by this JVM's. Destroying it is the caller's job. */
    public Process start() {
        try {
            return new ProcessBuilder(command()).inheritIO().start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + this, e);
        }
    }

    /**
     * Runs the child to its end and gives its exit code and output. When it has not ended after
     * {@code timeout}, it is killed with its descendants and this throws an
     * {@link AssertionError} with what it wrote. Nothing it started is left running.
     */
    public Finished run(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        Path out = null;
        Path err = null;
        Process p = null;
        try {
            out = Files.createTempFile("child-jvm-", ".out");
            err = Files.createTempFile("child-jvm-", ".err");
            // files, not pipes: a child that writes much while we wait cannot fill a pipe and stall
            p = new ProcessBuilder(command()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            boolean ended = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!ended) {
                stop(p, Duration.ofSeconds(10));
                throw new AssertionError(this + " did not finish within " + timeout + "; it wrote:\n"
                        + Files.readString(out, StandardCharsets.UTF_8) + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new Finished(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + this, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + this, e);
        } finally {
            if (p != null && p.isAlive()) {
                stop(p, Duration.ofSeconds(10));
            }
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /**
     * Kills {@code process} and every process it started ({@code SIGKILL}), then waits up to
     * {@code timeout} for it to be reaped. For the finally block of a test that {@link #start()}ed one.
     */
    public static void stop(Process process, Duration timeout) {
        List<ProcessHandle> descendants = process.descendants().collect(Collectors.toList());
        descendants.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            // orphans are reaped by init (or the nearest subreaper), a moment after they die
            for (ProcessHandle d : descendants) {
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    d.onExit().get(left, TimeUnit.NANOSECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // still there after the timeout: nothing more can be done than SIGKILL
        }
    }

    /** The {@code java} executable running this JVM. */
    public static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .filter(c -> Files.isExecutable(Path.of(c)))
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** This JVM's class path. */
    public static String classPath() {
        String cp = System.getProperty("java.class.path");
        if (cp == null || cp.isEmpty()) {
            throw new IllegalStateException("java.class.path is empty: cannot start a child JVM on the test class path");
        }
        return cp;
    }

    @Override
    public String toString() {
        return "child JVM " + mainClass + (args.isEmpty() ? "" : " " + String.join(" ", args));
    }

    private static List<String> copyOf(String[] values) {
        for (String v : values) {
            Objects.requireNonNull(v, "argument");
        }
        return List.of(values);
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a temporary file left behind is harmless
            }
        }
    }

    /** How a child run by {@link #run(Duration)} ended: its exit code and everything it wrote. */
    public static final class Finished {
        private final int exitCode;
        private final String stdout;
        private final String stderr;

        Finished(int exitCode, String stdout, String stderr) {
            this.exitCode = exitCode;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        /** The exit status: 0 for a normal end, 128 + n for death by signal n. */
        public int exitCode() {
            return exitCode;
        }

        /** What the child wrote to its standard output. */
        public String stdout() {
            return stdout;
        }

        /** What the child wrote to its standard error. */
        public String stderr() {
            return stderr;
        }

        @Override
        public String toString() {
            return "exit " + exitCode + (stderr.isEmpty() ? "" : ", stderr:\n" + stderr);
        }
    }
}
