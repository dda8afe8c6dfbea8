package io.interflux.shm;

import io.interflux.Codec;
import io.interflux.Creation;
import reactor.core.publisher.Flux;

import java.time.Duration;

/**
 * A producer in another process: a child JVM that writes 16-byte records into an existing ring as
 * fast as it takes them, until it is killed. Argument: the ring's name.
 */
public final class RingFlood {

    private RingFlood() {
    }

    /** Starts a child JVM flooding the ring, on this JVM's class path. */
    static ProcessHandle start(String ring) throws java.io.IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "-Xmx64m", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), RingFlood.class.getName(), ring)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start().toHandle();
    }

    public static void main(String[] args) {
        SharedRing ring = SharedRing.named(args[0]).creation(Creation.OPEN_EXISTING).openNow(Duration.ofSeconds(10));
        ring.send(Flux.<byte[]>generate(sink -> sink.next(new byte[16])), Codec.bytes()).block();
    }
}
