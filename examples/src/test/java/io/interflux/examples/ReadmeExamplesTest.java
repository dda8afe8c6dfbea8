package io.interflux.examples;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.stream.Collectors.toMap;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Keeps README.md honest: every Java example in it compiles against the current modules and runs
 * to a clean exit.
 *
 * <h2>The contract README.md follows</h2>
 * <ol>
 *   <li>Every block fenced with <code>```java</code> is a whole compilation unit without a
 *       {@code package} declaration: imports, then exactly one top-level {@code public class Name}
 *       at the start of a line, with a {@code public static void main(String[] args)}. No two
 *       blocks declare the same class name.</li>
 *   <li>Each block compiles on its own, {@code javac --release 17} against this JVM's
 *       {@code java.class.path} (every Interflux module {@code examples} depends on, reactor-core,
 *       jnr). A compiler error fails the block, quoting the README line and javac's message.</li>
 *   <li>Each class then runs as
 *       {@code java --enable-native-access=ALL-UNNAMED --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp <class path>:<its classes> Name} in a
 *       fresh working directory with empty stdin, and must exit with 0 within 60 seconds, or its
 *       process tree is killed. Its stdout and stderr are shown on failure.</li>
 *   <li>A block in any other language whose first line is {@code # file: NAME} or
 *       {@code // file: NAME} is written verbatim, that line included, into the working directory
 *       of every example before it runs: say a {@code worker.py} that an example starts with
 *       {@code ChildProcess.command("python3", "worker.py")}. It is not executable.</li>
 *   <li>A java block with the line {@code // README test: compile only} (one that waits for a
 *       signal forever) is compiled, not run, and reported as compile only.</li>
 * </ol>
 * Only backtick fences count; an indented fence (in a list item) loses that indentation. Messages
 * give the README line of the opening fence.
 *
 * <p>README.md is the one beside the {@code interflux-parent} pom, found by walking up from
 * {@code user.dir}; the system property {@code interflux.readme} (an absolute path) names a scratch
 * README instead. Surefire hands {@code -D} properties to the test JVM:
 * <pre>
 * mvn -o -q -pl examples -am install -DskipTests
 * mvn -o -pl examples surefire:test -Dtest=ReadmeExamplesTest -Dinterflux.readme=/tmp/scratch-readme.md
 * </pre>
 */
@DisplayName("README.md")
class ReadmeExamplesTest {

    static final String README_PROPERTY = "interflux.readme";
    static final String COMPILE_ONLY = "// README test: compile only";
    static final Duration RUN_LIMIT = Duration.ofSeconds(60);
    /** The outer bound on one example: compiling, the run itself, and killing what is left. */
    static final Duration EXAMPLE_LIMIT = RUN_LIMIT.plusSeconds(60);
    static final int OUTPUT_SHOWN = 20_000;
    static final String CLASS_PATH = System.getProperty("java.class.path");
    static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    static final Pattern FENCE = Pattern.compile("^(\\s*)```\\s*(\\S*).*$");
    static final Pattern PUBLIC_CLASS = Pattern.compile("^public\\s+(?:final\\s+)?class\\s+(\\w+)", Pattern.MULTILINE);
    static final Pattern MAIN = Pattern.compile("public\\s+static\\s+void\\s+main\\s*\\(\\s*(?:final\\s+)?String");
    static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+[\\w.]+\\s*;", Pattern.MULTILINE);
    static final Pattern SUPPORT_FILE = Pattern.compile("^(?:#|//)\\s*file:\\s*([\\w.-]+)\\s*$");

    /** A fenced block: the word after the backticks, the README line of the opening fence, the content. */
    record Block(String language, int line, String text) {
        /** The name that a support file's first line gives, or null if this block is not one. */
        String fileName() {
            Matcher file = SUPPORT_FILE.matcher(text.lines().findFirst().orElse(""));
            return !language.equals("java") && file.matches() ? file.group(1) : null;
        }
    }

    /** A java block and the class it declares. */
    record Example(Block block, String className, boolean compileOnly) {
        String name() {
            return "README line " + block.line() + ": " + className + (compileOnly ? " (compile only)" : "");
        }
    }

    @TestFactory
    @Timeout(30)
    @DisplayName("every java block compiles against the modules and runs to exit code 0")
    Stream<DynamicTest> javaBlocks(@TempDir Path scratch) throws IOException {
        Path readme = readme();
        List<Block> blocks = blocks(readme);
        List<Example> examples = blocks.stream()
                .filter(b -> b.language().equals("java"))
                .map(ReadmeExamplesTest::example)
                .toList();
        assertThat(examples).as("%s has no ```java block, so nothing would be checked", readme).isNotEmpty();
        // collected only to fail on a class name that two blocks declare
        examples.stream().collect(toMap(Example::className, e -> e, (earlier, again) -> fail(
                "README line " + again.block().line() + ": class " + again.className() + " is already declared"
                        + " at README line " + earlier.block().line() + "; every java block needs its own class")));
        Map<String, Block> supportFiles = blocks.stream().filter(b -> b.fileName() != null).collect(toMap(
                Block::fileName, b -> b, (earlier, again) -> fail("README line " + again.line() + ": file "
                        + again.fileName() + " is already given at README line " + earlier.line()),
                LinkedHashMap::new));
        return examples.stream().map(example -> dynamicTest(
                example.name(),
                URI.create(readme.toUri() + "?line=" + example.block().line()),
                () -> assertTimeoutPreemptively(EXAMPLE_LIMIT,
                        () -> check(example, supportFiles, scratch.resolve(example.className())),
                        () -> example.name() + " took more than " + EXAMPLE_LIMIT.toSeconds() + " s")));
    }

    /** Checks one block's shape, compiles it, and runs it unless it is compile only. */
    static void check(Example example, Map<String, Block> supportFiles, Path dir) throws Exception {
        String at = example.name() + ": ";
        assertThat(MAIN.matcher(example.block().text()).find())
                .as("%s%s needs a public static void main(String[] args)", at, example.className()).isTrue();
        assertThat(PACKAGE.matcher(example.block().text()).find())
                .as("%sa java block has no package declaration, so `java %s` runs it", at, example.className())
                .isFalse();
        Path classes = Files.createDirectories(dir.resolve("classes"));
        List<String> errors = compile(example, classes);
        if (!errors.isEmpty()) {
            fail(at + "does not compile:\n" + String.join("\n", errors));
        }
        if (!example.compileOnly()) {
            run(example, supportFiles, dir, classes);
        }
    }

    /** Compiles one block into {@code classes}; returns its errors, each naming its README line. */
    static List<String> compile(Example example, Path classes) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac).as("the tests run on a JDK, which has a system Java compiler").isNotNull();
        Block block = example.block();
        Path source = Files.writeString(classes.resolveSibling(example.className() + ".java"), block.text(), UTF_8);
        List<String> options = List.of("--release", "17", "-proc:none",
                "-classpath", CLASS_PATH, "-d", classes.toString());
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, UTF_8)) {
            javac.getTask(null, files, diagnostics, options, null, files.getJavaFileObjects(source)).call();
        }
        List<String> lines = block.text().lines().toList();
        return diagnostics.getDiagnostics().stream()
                .filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                .map(d -> {
                    long n = d.getLineNumber();
                    // the block's first line is the line after the fence
                    String where = n > 0 && n <= lines.size()
                            ? "README line " + (block.line() + n) + ": " + lines.get((int) n - 1).strip() + "\n    "
                            : "javac: ";
                    return where + d.getMessage(Locale.ROOT);
                })
                .toList();
    }

    /** Runs the compiled class in a child JVM in a fresh working directory holding the support files. */
    static void run(Example example, Map<String, Block> supportFiles, Path dir, Path classes) throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        for (Map.Entry<String, Block> file : supportFiles.entrySet()) {
            Files.writeString(work.resolve(file.getKey()), file.getValue().text(), UTF_8);
        }
        // beside the working directory, not in it, so an example that lists its directory sees only its files
        Path output = dir.resolve("output.txt");
        Process process = new ProcessBuilder(JAVA, "--enable-native-access=ALL-UNNAMED",
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-cp", CLASS_PATH + File.pathSeparator + classes, example.className())
                .directory(work.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        try {
            if (!process.waitFor(RUN_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
                fail(example.name() + ": did not exit within " + RUN_LIMIT.toSeconds()
                        + " s and was killed; output:\n" + tail(output));
            }
            if (process.exitValue() != 0) {
                fail(example.name() + ": exited with code " + process.exitValue() + "; output:\n" + tail(output));
            }
        } finally {
            killTree(process); // also when the wait above was interrupted or timed out
        }
    }

    /** Kills the children first, so none is left behind reparented, then the JVM itself. */
    static void killTree(Process process) throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** The captured output, its end only if it is long. */
    static String tail(Path output) throws IOException {
        String text = new String(Files.readAllBytes(output), UTF_8);
        return text.length() <= OUTPUT_SHOWN ? text : "..." + text.substring(text.length() - OUTPUT_SHOWN);
    }

    /** The README under test: the one named by {@value #README_PROPERTY}, or the project's. */
    static Path readme() throws IOException {
        String override = System.getProperty(README_PROPERTY);
        if (override != null && !override.isBlank()) {
            Path path = Path.of(override).toAbsolutePath();
            assertThat(path).as("-D%s=%s names a file", README_PROPERTY, override).isRegularFile();
            return path;
        }
        Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path pom = dir.resolve("pom.xml");
            if (Files.isRegularFile(dir.resolve("README.md")) && Files.isRegularFile(pom)
                    && Files.readString(pom, UTF_8).contains("<artifactId>interflux-parent</artifactId>")) {
                return dir.resolve("README.md");
            }
        }
        return fail("no README.md next to the interflux-parent pom.xml in " + start + " or above");
    }

    /** Every backtick-fenced block of the file, in order. */
    static List<Block> blocks(Path readme) throws IOException {
        List<String> lines = Files.readAllLines(readme, UTF_8);
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher open = FENCE.matcher(lines.get(i));
            if (!open.matches()) {
                continue;
            }
            int fence = i + 1;
            int indent = open.group(1).length(); // a fence in a list item: its content is indented as much
            StringBuilder text = new StringBuilder();
            while (++i < lines.size() && !lines.get(i).strip().startsWith("```")) {
                text.append(lines.get(i).replaceFirst("^\\s{0," + indent + "}", "")).append('\n');
            }
            if (i == lines.size()) {
                fail("README line " + fence + ": the fence opened here is never closed");
            }
            blocks.add(new Block(open.group(2), fence, text.toString()));
        }
        return blocks;
    }

    /** The example a java block gives: the one public class it declares. */
    static Example example(Block block) {
        List<String> names = PUBLIC_CLASS.matcher(block.text()).results().map(r -> r.group(1)).toList();
        assertThat(names)
                .as("README line %d: a java block declares exactly one top-level `public class Name`,"
                        + " at the start of a line", block.line())
                .hasSize(1);
        boolean compileOnly = block.text().lines().anyMatch(l -> l.strip().equals(COMPILE_ONLY));
        return new Example(block, names.get(0), compileOnly);
    }
}
