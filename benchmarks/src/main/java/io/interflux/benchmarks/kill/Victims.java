package io.interflux.benchmarks.kill;

import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.ChildProcessSpec;
import io.interflux.pipe.Stdio;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * Starts the campaign's victims: the Python producer ({@code victim.py}, copied out of the class
 * path into the campaign's directory) and {@link KillVictim} JVMs from this JVM's class path
 * ({@code java.class.path}: the test class path under Maven, the benchmark jar under
 * {@code java -jar}). JVM victims whose descriptors this JVM need not hold are started
 * {@link #startAhead ahead} of their kill, since a JVM takes about a second of CPU to start here.
 */
final class Victims implements AutoCloseable {

    /** Options of every victim JVM: small and quick to start; the export Agrona needs for the rings. */
    static final List<String> JVM_OPTIONS = List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Xshare:auto", "-XX:-UsePerfData", "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--enable-native-access=ALL-UNNAMED");

    /**
     * Victim JVMs started ahead of their kill: a few warm up at once on the machine's cores while
     * the current kill runs, so that a kill rarely waits for its victim's start.
     */
    static final int AHEAD = 4;

    final Path dir;
    private final Path script;
    private final String python;
    private final Map<String, Victim> warm = new HashMap<>();
    private int started;

    Victims(Path dir) {
        this.dir = dir;
        this.script = dir.resolve("victim.py");
        try (InputStream in = Victims.class.getResourceAsStream("victim.py")) {
            if (in == null) {
                throw new IllegalStateException("victim.py is not on the class path next to " + Victims.class.getName());
            }
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.python = findPython().orElse(null);
    }

    /** The Debian interpreter first: a pyenv shim on PATH costs 150 ms a start. */
    private static Optional<String> findPython() {
        if (Files.isExecutable(Path.of("/usr/bin/python3"))) {
            return Optional.of("/usr/bin/python3");
        }
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "python3"))) {
                return Optional.of(Path.of(d, "python3").toString());
            }
        }
        return Optional.empty();
    }

    boolean hasPython() {
        return python != null;
    }

    /** The Python producer of {@code kill}, started by the JDK; its stderr in a file of the directory. */
    Victim python(Kill kill, String... args) {
        return jdkStarted("python " + kill.mechanism + " producer", pythonCommand(kill, args));
    }

    /** The Python producer of {@code kill} as an Interflux child, for the pipe mechanism: its stdout is what is read. */
    ChildProcessSpec pythonChild(Kill kill, String... args) {
        return ChildProcess.command(pythonCommand(kill, args)).stderr(Stdio.capture());
    }

    private List<String> pythonCommand(Kill kill, String... args) {
        List<String> cmd = new ArrayList<>(List.of(requirePython(), script.toString(), kill.mechanism));
        cmd.addAll(List.of(kill.pythonArgs(args)));
        return cmd;
    }

    /** A victim JVM as an Interflux child (RPC over its pipes), with {@link Kill#jvmArgs}. */
    ChildProcessSpec jvmChild(String... args) {
        return ChildProcess.command(jvmCommand(args)).stderr(Stdio.capture());
    }

    /**
     * Starts, by the JDK, the victim JVMs of kills {@code index} to {@code last} of {@code mechanism}
     * (at most {@code ahead} of them) that are not started yet; {@code argsFor} gives a kill's
     * arguments, or {@code null} for a kill whose victim is started otherwise.
     */
    void startAhead(String mechanism, int index, int last, int ahead, IntFunction<String[]> argsFor) {
        for (int i = index; i <= last && i < index + ahead; i++) {
            String key = mechanism + "#" + i;
            String[] args = warm.containsKey(key) ? null : argsFor.apply(i);
            if (args != null) { // null: that kill's victim is not one to start ahead
                warm.put(key, jdkStarted("victim JVM " + mechanism, jvmCommand(args)));
            }
        }
    }

    /** The victim JVM of kill {@code index}, started ahead or now; the caller's from then on. */
    Victim takeWarm(String mechanism, int index, IntFunction<String[]> argsFor) {
        startAhead(mechanism, index, index, 1, argsFor);
        return warm.remove(mechanism + "#" + index);
    }

    /** Kills and reaps the JVMs started ahead for kills that did not come. */
    void discardWarm() {
        warm.values().forEach(Victim::destroy);
        warm.clear();
    }

    private List<String> jvmCommand(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(JVM_OPTIONS);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), KillVictim.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private Victim jdkStarted(String label, List<String> cmd) {
        Path log = dir.resolve("victim-" + (++started) + ".log");
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(log.toFile())
                    .start();
            return Victim.of(p, label, log);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + cmd, e);
        }
    }

    private String requirePython() {
        if (python == null) {
            throw new IllegalStateException("no python3 on this machine");
        }
        return python;
    }

    @Override
    public void close() {
        discardWarm();
    }
}
