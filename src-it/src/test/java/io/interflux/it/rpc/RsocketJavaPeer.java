package io.interflux.it.rpc;

import io.interflux.testkit.ChildJvm;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.ChildProcessSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The command line of the rsocket-java 1.1.5 peer ({@code src/test/rsocket-peer/RSocketPeer.java}),
 * run in source-file mode by this JVM's {@code java} with rsocket-java's own class path: the jars
 * the build copies to {@code target/rsocket-peer-lib} in {@code pre-integration-test}. Netty 4.1
 * and reactor-core 3.4 live there, apart from this JVM's Netty 4.2 and reactor-core 3.8. Failsafe
 * names both places in the system properties {@value #LIB_PROPERTY} and {@value #SOURCE_PROPERTY}.
 *
 * <pre>{@code
 * ChildProcess peer = os.track(RsocketJavaPeer.server().start().block(WAIT));   // prints "listening <port>"
 * ChildProcess peer = os.track(RsocketJavaPeer.client(port, "greet").start().block(WAIT));
 * }</pre>
 */
final class RsocketJavaPeer {

    static final String LIB_PROPERTY = "rsocket.peer.lib";
    static final String SOURCE_PROPERTY = "rsocket.peer.source";

    private RsocketJavaPeer() {
    }

    /** An rsocket-java server on 127.0.0.1 and a free port, which it prints first; it stops at the end of its stdin. */
    static ChildProcessSpec server() {
        return spec("server");
    }

    /** An rsocket-java client of 127.0.0.1:{@code port} running {@code scenario} once, then exiting 0. */
    static ChildProcessSpec client(int port, String scenario) {
        return spec("client", Integer.toString(port), scenario);
    }

    private static ChildProcessSpec spec(String... args) {
        Path lib = existing(LIB_PROPERTY);
        Path source = existing(SOURCE_PROPERTY);
        try (Stream<Path> jars = Files.list(lib)) {
            if (jars.noneMatch(j -> j.getFileName().toString().startsWith("rsocket-core-"))) {
                throw new IllegalStateException("no rsocket-core jar in " + lib + ": run the tests with mvn verify");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + lib, e);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(ChildJvm.javaExecutable());
        cmd.addAll(ChildJvm.DEFAULT_JVM_OPTIONS);
        cmd.add("-cp");
        cmd.add(lib.resolve("*").toString()); // the launcher expands the wildcard to every jar there
        cmd.add(source.toString());
        cmd.addAll(List.of(args));
        return ChildProcess.command(cmd);
    }

    private static Path existing(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isEmpty()) {
            throw new IllegalStateException("system property " + property + " is not set: run the tests with mvn verify,"
                    + " whose failsafe configuration sets it");
        }
        Path path = Path.of(value);
        if (!Files.exists(path)) {
            throw new IllegalStateException(property + "=" + path + " does not exist: run the tests with mvn verify,"
                    + " which copies rsocket-java's jars in pre-integration-test");
        }
        return path;
    }
}
