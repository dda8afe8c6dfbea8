package io.interflux.it.support;

import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.ChildProcessSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The command line of a child JVM that runs a {@code main} class of this test JVM's classpath:
 * {@code <java> <jvm options> -cp <java.class.path> <main class> <args>}.
 *
 * <p>The {@code java} executable is the one running this test
 * ({@code ProcessHandle.current().info().command()}, falling back to {@code java.home}), and the
 * classpath is this JVM's {@code java.class.path} (surefire and failsafe set it to the full test
 * classpath even when they boot through a manifest-only jar), so a child can run any class of
 * {@code src-it/src/test/java} and use every Interflux module the tests see. Instances are
 * immutable; nothing is started here.
 *
 * <p>Start the child with the transport under test, or with {@link ProcessBuilder} when the test
 * needs a peer that Interflux does not drive (a FIFO or queue peer, for instance):
 *
 * <pre>{@code
 * ChildProcess child = ChildJvm.of(TaskWorker.class).spec().start().block(Duration.ofSeconds(20));
 * Process peer = new ProcessBuilder(ChildJvm.of(FifoPeer.class, fifo.toString()).command()).start();
 * }</pre>
 *
 * <p>By default the child gets {@link #DEFAULT_JVM_OPTIONS}: a small heap, the serial collector
 * and C1 only, which start fastest on the shared 2-core machines the tests run on. A child that
 * measures throughput should replace them with {@link #jvmOptions(String...)}.
 */
public final class ChildJvm {

    /** Options for a quick-starting, small child JVM. */
    public static final List<String> DEFAULT_JVM_OPTIONS =
            List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto");

    private final String mainClass;
    private final List<String> jvmOptions;
    private final List<String> args;

    private ChildJvm(String mainClass, List<String> jvmOptions, List<String> args) {
        this.mainClass = mainClass;
        this.jvmOptions = jvmOptions;
        this.args = args;
    }

    /** A child running {@code mainClass.main(args)}. */
    public static ChildJvm of(Class<?> mainClass, String... args) {
        Objects.requireNonNull(mainClass, "mainClass");
        return of(mainClass.getName(), args);
    }

    /** A child running the {@code main} of the class named {@code mainClass}. */
    public static ChildJvm of(String mainClass, String... args) {
        Objects.requireNonNull(mainClass, "mainClass");
        for (String a : args) {
            Objects.requireNonNull(a, "argument");
        }
        return new ChildJvm(mainClass, DEFAULT_JVM_OPTIONS, List.of(args));
    }

    /** A copy whose JVM options (placed before {@code -cp}) replace the current ones. */
    public ChildJvm jvmOptions(String... options) {
        return new ChildJvm(mainClass, List.of(options), args);
    }

    /** A copy whose program arguments replace the current ones. */
    public ChildJvm args(String... arguments) {
        return new ChildJvm(mainClass, jvmOptions, List.of(arguments));
    }

    /** The whole command line, executable first. */
    public List<String> command() {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaExecutable());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(mainClass);
        cmd.addAll(args);
        return List.copyOf(cmd);
    }

    /** A {@link ChildProcess} spec for this command line, with every standard stream a pipe. */
    public ChildProcessSpec spec() {
        return ChildProcess.command(command());
    }

    /** The {@code java} executable running this JVM. */
    public static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .filter(c -> Files.isExecutable(Path.of(c)))
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** This JVM's classpath. */
    public static String classPath() {
        String cp = System.getProperty("java.class.path");
        if (cp == null || cp.isEmpty()) {
            throw new IllegalStateException("java.class.path is empty: cannot start a child JVM on the test classpath");
        }
        return cp;
    }

    @Override
    public String toString() {
        return "ChildJvm[" + mainClass + " " + String.join(" ", args) + ", options " + jvmOptions + "]";
    }
}
