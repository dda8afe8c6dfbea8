package io.interflux.examples.webflux;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A headless Chromium for a test, driven over the DevTools protocol ({@link DevTools}), and
 * everything it leaves removed on {@link #close()}: the browser and its helper processes killed,
 * its profile directory deleted, even when the test failed half-way.
 *
 * <p>It runs with {@code --no-sandbox} (tests run as root here, where Chromium's sandbox refuses
 * to start), its own profile and temporary directory under {@code /tmp} (so it meets no other
 * Chromium, and what it leaves goes with the profile), and {@code --remote-debugging-port=0}; the port it picked
 * is read from {@code DevToolsActivePort} in the profile, and its output goes to a log file there
 * rather than into pipes to this JVM.
 */
public final class Chromium implements AutoCloseable {

    private static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable");

    private final Process process;
    private final Path profile;
    private DevTools devTools;

    private Chromium(Process process, Path profile) {
        this.process = process;
        this.profile = profile;
    }

    /** The first of chromium, chromium-browser, google-chrome on {@code PATH}, if any. */
    public static Optional<Path> find() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String name : NAMES) {
            for (String dir : path.split(File.pathSeparator)) {
                Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    /** Starts {@code binary} headless on {@code about:blank} and connects to its DevTools. */
    public static Chromium start(Path binary, Duration timeout) throws IOException, InterruptedException {
        // in /tmp, not java.io.tmpdir (the tests point it into target/): Chromium puts a Unix socket
        // in the profile's temporary directory, and a socket path may be at most 107 bytes long
        Path profile = Files.createTempDirectory(Path.of("/tmp"), "interflux-chromium-");
        Path tmp = Files.createDirectory(profile.resolve("tmp"));
        ProcessBuilder builder = new ProcessBuilder(binary.toString(), "--headless=new", "--no-sandbox",
                "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                "--disable-background-networking", "--disable-extensions", "--mute-audio", "--disable-breakpad",
                "--remote-debugging-port=0", "--user-data-dir=" + profile, "--window-size=1280,960", "about:blank")
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(profile.resolve("chromium.log").toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(profile.resolve("chromium.log").toFile()));
        builder.environment().put("TMPDIR", tmp.toString());
        Chromium chromium;
        try {
            chromium = new Chromium(builder.start(), profile);
        } catch (IOException e) {
            delete(profile);
            throw e;
        }
        try {
            chromium.devTools = DevTools.connect(chromium.browserEndpoint(timeout), timeout);
            return chromium;
        } catch (RuntimeException | Error e) {
            chromium.close();
            throw e;
        }
    }

    /** The browser's DevTools, for the test to open pages and drive them. */
    public DevTools devTools() {
        return devTools;
    }

    /** What Chromium wrote to stdout and stderr so far, for a failure message. */
    public String log() {
        try {
            String text = Files.readString(profile.resolve("chromium.log"), StandardCharsets.UTF_8);
            return text.length() > 4000 ? "..." + text.substring(text.length() - 4000) : text;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** {@code ws://127.0.0.1:<port>/devtools/browser/<id>}, from the file Chromium writes once it listens. */
    private URI browserEndpoint(Duration timeout) {
        Path active = profile.resolve("DevToolsActivePort");
        String[] lines = new String[1];
        Polling.await(timeout, () -> "Chromium wrote " + active + " (exited: " + !process.isAlive() + "); its log:\n"
                + log(), () -> {
            try {
                List<String> content = Files.readAllLines(active);
                if (content.size() >= 2) {
                    lines[0] = "ws://127.0.0.1:" + content.get(0).trim() + content.get(1).trim();
                    return true;
                }
            } catch (IOException e) {
                // not written yet
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("Chromium exited with " + process.exitValue() + "; its log:\n" + log());
            }
            return false;
        });
        return URI.create(lines[0]);
    }

    /**
     * Closes the browser (politely, then with SIGKILL for it and every helper process left),
     * waits until it is reaped, and deletes its profile.
     */
    @Override
    public void close() throws InterruptedException {
        try {
            if (devTools != null) {
                devTools.closeBrowser();
            }
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            // helpers (zygote, renderers) that outlived the browser: ours to end too
            process.descendants().forEach(ProcessHandle::destroyForcibly);
        } finally {
            delete(profile);
        }
    }

    /** Deletes {@code dir} and what is in it; tries again (3 times at most) if a late helper wrote into it meanwhile. */
    private static void delete(Path dir) {
        for (int attempt = 0; attempt < 3 && Files.exists(dir, LinkOption.NOFOLLOW_LINKS); attempt++) {
            try (Stream<Path> all = Files.walk(dir)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | UncheckedIOException e) {
                // a file that went away while we walked: the next attempt sees what is left
            }
        }
    }
}
