package io.interflux.it.support;

import io.interflux.IpcResource;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import reactor.core.Disposable;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;

/**
 * The OS objects one test made (child processes, named objects, anything with a release
 * action), released after the test in reverse order, whether it passed, failed or timed out.
 *
 * <pre>{@code
 * @RegisterExtension
 * final OsResources os = new OsResources();
 *
 * ChildProcess child = os.track(ChildProcess.command("cat").start().block(WAIT));
 * os.onRelease("unlink " + fifo, () -> Files.deleteIfExists(fifo));
 * }</pre>
 *
 * Register it on an instance field so each test method gets its own. A release that fails does
 * not stop the others; the first failure is rethrown with the rest suppressed, so a leak fails
 * the test that caused it. Temporary directories are better left to JUnit's {@code @TempDir},
 * which is also removed on failure.
 */
public final class OsResources implements AfterEachCallback {

    /** How long a release may wait for a disposed resource or a killed process to be gone. */
    public static final Duration RELEASE_TIMEOUT = Duration.ofSeconds(10);

    /** A release action that may throw. */
    @FunctionalInterface
    public interface Release {
        /** Releases the object. */
        void run() throws Exception;
    }

    private final Deque<Named> releases = new ArrayDeque<>();

    /**
     * Disposes {@code resource} after the test; for an {@link IpcResource} (a child process, a
     * pipeline) the release also waits until {@link IpcResource#onDispose()} completes, that is
     * until a child has been killed and reaped. Returns its argument.
     */
    public <T extends Disposable> T track(T resource) {
        if (resource == null) {
            return null;
        }
        onRelease("dispose " + resource, () -> {
            resource.dispose();
            if (resource instanceof IpcResource) {
                ((IpcResource) resource).onDispose().block(RELEASE_TIMEOUT);
            }
        });
        return resource;
    }

    /** Kills {@code process} (and waits for it) after the test if it is still running. Returns it. */
    public Process track(Process process) {
        if (process == null) {
            return null;
        }
        onRelease("kill " + process, () -> {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            if (!process.waitFor(RELEASE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(process + " did not end within " + RELEASE_TIMEOUT);
            }
        });
        return process;
    }

    /** Runs {@code release} after the test; {@code what} names it in a failure. */
    public synchronized void onRelease(String what, Release release) {
        releases.push(new Named(what, release));
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Exception first = null;
        for (Named n = poll(); n != null; n = poll()) {
            try {
                n.release.run();
            } catch (Exception | AssertionError e) {
                Exception wrapped = new IllegalStateException("cleanup failed: " + n.what, e);
                if (first == null) {
                    first = wrapped;
                } else {
                    first.addSuppressed(wrapped);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private synchronized Named poll() {
        return releases.poll();
    }

    private static final class Named {
        final String what;
        final Release release;

        Named(String what, Release release) {
            this.what = what;
            this.release = release;
        }
    }
}
