package io.interflux.examples.webflux.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;

/**
 * The command line of a JVM that runs a main class of this application, from the application's
 * own class path and with the same {@code java} executable.
 *
 * <p>Two cases: run from classes and jars ({@code mvn spring-boot:run}, an IDE, the tests), the
 * class path names them and the main class is started directly; run as a Spring Boot executable
 * jar ({@code java -jar}), the class path is that one jar whose classes sit under
 * {@code BOOT-INF/}, so the child starts Boot's {@code PropertiesLauncher} with
 * {@code -Dloader.main} naming the class.
 */
final class WorkerCommand {

    private static final String BOOT_LAUNCHER = "org.springframework.boot.loader.launch.PropertiesLauncher";

    private WorkerCommand() {
    }

    /** {@code java <jvmOptions> -cp <this class path> <mainClass> <args>}, or its executable-jar form. */
    static List<String> of(Class<?> mainClass, List<String> jvmOptions, List<String> args) {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String classPath = System.getProperty("java.class.path");
        List<String> argv = new ArrayList<>();
        argv.add(java);
        argv.addAll(jvmOptions);
        argv.add("-cp");
        argv.add(classPath);
        if (isBootJar(classPath)) {
            argv.add("-Dloader.main=" + mainClass.getName());
            argv.add(BOOT_LAUNCHER);
        } else {
            argv.add(mainClass.getName());
        }
        argv.addAll(args);
        return List.copyOf(argv);
    }

    /** Whether the class path is a single Spring Boot executable jar (its manifest names BOOT-INF's classes). */
    static boolean isBootJar(String classPath) {
        if (classPath.contains(File.pathSeparator) || !classPath.endsWith(".jar")) {
            return false;
        }
        try (JarFile jar = new JarFile(classPath)) {
            return jar.getManifest() != null && jar.getManifest().getMainAttributes().getValue("Spring-Boot-Classes") != null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the class path jar " + classPath, e);
        }
    }
}
