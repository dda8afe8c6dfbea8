package io.interflux.it.support;

import io.interflux.testkit.ChildJvm;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Child JVMs running as the unprivileged user {@code nobody} (uid {@value #UID}, group
 * {@code nogroup} {@value #GID}, no supplementary groups, no capabilities), started by a test JVM
 * running as root:
 * {@code setpriv --reuid=65534 --regid=65534 --clear-groups -- <java> <options> -cp <copy> <main> <args>}.
 *
 * <p>nobody cannot read this JVM's classpath where it lives ({@code /root/.m2} is under
 * {@code /root}, mode 0700), so {@link #copyClassPath()} copies every entry of
 * {@code java.class.path} into a fresh directory under {@code /tmp} that anyone may read
 * (directories 0755, files 0644), next to a world-writable directory that becomes the child's
 * {@code java.io.tmpdir} (jffi unpacks its native library there). {@link #close()} deletes both.
 * The copy holds some megabytes of jars: make it once per test class.
 *
 * <pre>{@code
 * static UnprivilegedJvm nobody;
 *
 * @BeforeAll
 * static void copyClassPath() throws IOException {
 *     if (UnprivilegedJvm.isAvailable()) {
 *         nobody = UnprivilegedJvm.copyClassPath();
 *     }
 * }
 *
 * @BeforeEach
 * void assumeAvailable() {
 *     UnprivilegedJvm.assumeAvailable();
 * }
 *
 * @AfterAll
 * static void deleteCopy() throws IOException {
 *     if (nobody != null) {
 *         nobody.close();
 *     }
 * }
 *
 * Process peer = os.track(nobody.processBuilder(nobody.command(PermissionPeer.class, "fifo-read", path))
 *         .redirectOutput(out.toFile()).start());
 * }</pre>
 */
public final class UnprivilegedJvm implements AutoCloseable {

    /** nobody's uid. */
    public static final int UID = 65534;
    /** nogroup's gid. */
    public static final int GID = 65534;
    /** The tool that drops root's identity before it executes the child. */
    public static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    /** What {@link #identity()} reads in a process run by {@link #asNobody(String...)}. */
    public static final String NOBODY_IDENTITY =
            "uid=65534,65534,65534,65534 gid=65534,65534,65534,65534 groups=[] capEff=0000000000000000";

    private static final Set<PosixFilePermission> READABLE_DIRECTORY = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> READABLE_FILE = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> WRITABLE_DIRECTORY = PosixFilePermissions.fromString("rwxrwxrwx");

    private final Path root;
    private final Path tmp;
    private final String classPath;

    private UnprivilegedJvm(Path root, Path tmp, String classPath) {
        this.root = root;
        this.tmp = tmp;
        this.classPath = classPath;
    }

    /** Whether this JVM can start peers as nobody: it runs as root and {@link #SETPRIV} is there. */
    public static boolean isAvailable() {
        return unavailability() == null;
    }

    /**
     * Skips the calling test unless {@link #isAvailable()}, naming the reason. Call it from
     * {@code @BeforeEach} or the test: failsafe does not report a skip from {@code @BeforeAll}.
     */
    public static void assumeAvailable() {
        String why = unavailability();
        Assumptions.assumeTrue(why == null, why);
    }

    /** Why peers cannot be started as nobody here, or {@code null} when they can. */
    private static String unavailability() {
        String identity = identity();
        if (!identity.startsWith("uid=0,0,")) {
            return "needs to run as root, to start peers as nobody with setpriv; runs as " + identity;
        }
        if (!Files.isExecutable(SETPRIV)) {
            return "needs " + SETPRIV + " (util-linux) to start peers as nobody";
        }
        return null;
    }

    /**
     * This process's credentials as {@code /proc/self/status} reports them: real, effective, saved
     * and file-system uid and gid, supplementary groups and effective capabilities, for instance
     * {@value #NOBODY_IDENTITY}.
     */
    public static String identity() {
        List<String> status;
        try {
            status = Files.readAllLines(Path.of("/proc/self/status"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "uid=" + field(status, "Uid:").replace(' ', ',')
                + " gid=" + field(status, "Gid:").replace(' ', ',')
                + " groups=[" + field(status, "Groups:").replace(' ', ',') + "]"
                + " capEff=" + field(status, "CapEff:");
    }

    private static String field(List<String> status, String name) {
        return status.stream().filter(l -> l.startsWith(name)).findFirst()
                .map(l -> l.substring(name.length()).trim().replaceAll("\\s+", " "))
                .orElseThrow(() -> new IllegalStateException("no " + name + " in /proc/self/status"));
    }

    /** {@code command} prefixed with {@code setpriv}, so that it runs as nobody:nogroup without groups. */
    public static List<String> asNobody(String... command) {
        return asNobody(List.of(command));
    }

    /** {@code command} prefixed with {@code setpriv}, so that it runs as nobody:nogroup without groups. */
    public static List<String> asNobody(List<String> command) {
        List<String> cmd = new ArrayList<>(List.of(SETPRIV.toString(), "--reuid=" + UID, "--regid=" + GID,
                "--clear-groups", "--"));
        cmd.addAll(command);
        return List.copyOf(cmd);
    }

    /**
     * Copies this JVM's classpath where nobody may read it: jars as files, directories as trees,
     * each under a numbered name that keeps the classpath's order; entries that do not exist are
     * left out, as the JVM ignores them.
     */
    public static UnprivilegedJvm copyClassPath() throws IOException {
        Path root = Files.createTempDirectory(Path.of("/tmp"), "interflux-nobody-");
        try {
            Files.setPosixFilePermissions(root, READABLE_DIRECTORY);
            Path tmp = Files.createDirectory(root.resolve("tmp"));
            Files.setPosixFilePermissions(tmp, WRITABLE_DIRECTORY);
            Path entries = Files.createDirectory(root.resolve("classpath"));
            Files.setPosixFilePermissions(entries, READABLE_DIRECTORY);
            List<String> copied = new ArrayList<>();
            int index = 0;
            for (String entry : ChildJvm.classPath().split(java.io.File.pathSeparator)) {
                Path source = Path.of(entry);
                if (entry.isEmpty() || !Files.exists(source)) {
                    continue;
                }
                Path target = entries.resolve(String.format("%03d-%s", index++, source.getFileName()));
                copy(source, target);
                copied.add(target.toString());
            }
            return new UnprivilegedJvm(root, tmp, String.join(java.io.File.pathSeparator, copied));
        } catch (IOException | RuntimeException e) {
            delete(root);
            throw e;
        }
    }

    private static void copy(Path source, Path target) throws IOException {
        if (!Files.isDirectory(source)) {
            Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(target, READABLE_FILE);
            return;
        }
        try (Stream<Path> tree = Files.walk(source)) {
            for (Path from : (Iterable<Path>) tree::iterator) {
                Path to = target.resolve(source.relativize(from).toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(to);
                    Files.setPosixFilePermissions(to, READABLE_DIRECTORY);
                } else {
                    Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(to, READABLE_FILE);
                }
            }
        }
    }

    /** The directory holding the copy; child JVMs run in it. */
    public Path directory() {
        return root;
    }

    /** The child JVMs' {@code java.io.tmpdir}, writable by anyone. */
    public Path tmpDir() {
        return tmp;
    }

    /**
     * The command line of a child JVM running {@code mainClass.main(args)} as nobody, on the
     * copied classpath, with {@link ChildJvm#DEFAULT_JVM_OPTIONS}.
     */
    public List<String> command(Class<?> mainClass, String... args) {
        Objects.requireNonNull(mainClass, "mainClass");
        List<String> java = new ArrayList<>();
        java.add(ChildJvm.javaExecutable());
        java.addAll(ChildJvm.DEFAULT_JVM_OPTIONS);
        // accepted since JDK 17, where it does nothing for JNR; silences JDK 24's warnings about JNI
        java.add("--enable-native-access=ALL-UNNAMED");
        java.add("-Djava.io.tmpdir=" + tmp);
        java.add("-cp");
        java.add(classPath);
        java.add(mainClass.getName());
        java.addAll(List.of(args));
        return asNobody(java);
    }

    /** A process builder for {@code command} that runs in {@link #directory()}, a directory nobody may enter. */
    public ProcessBuilder processBuilder(List<String> command) {
        return new ProcessBuilder(command).directory(root.toFile());
    }

    /** Deletes the copy and the children's temporary files. */
    @Override
    public void close() throws IOException {
        delete(root);
    }

    private static void delete(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> tree = Files.walk(root)) {
            for (Path p : tree.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public String toString() {
        return "UnprivilegedJvm[" + root + "]";
    }
}
