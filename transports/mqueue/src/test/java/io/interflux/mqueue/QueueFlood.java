package io.interflux.mqueue;

import io.interflux.Creation;
import reactor.core.publisher.Flux;

import java.time.Duration;

/**
 * The peer the conformance suite kills: a child JVM that sends 16-byte messages into an existing
 * queue as fast as it takes them, until it is killed. Arguments: {@code posix NAME} or
 * {@code sysv ID}.
 */
public final class QueueFlood {

    private QueueFlood() {
    }

    /** Starts a child JVM flooding the queue, on this JVM's class path. */
    static ProcessHandle start(String kind, String queue) throws java.io.IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "-Xmx64m", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), QueueFlood.class.getName(), kind, queue)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start().toHandle();
    }

    public static void main(String[] args) {
        Flux<byte[]> messages = Flux.generate(sink -> sink.next(new byte[16]));
        if (args[0].equals("posix")) {
            PosixQueue q = PosixQueue.named(args[1]).creation(Creation.OPEN_EXISTING)
                    .access(io.interflux.Access.SEND).openNow(Duration.ofSeconds(10));
            q.send(messages.map(PosixMessage::of)).block();
        } else {
            SysVQueue q = SysVQueue.existing(Integer.parseInt(args[1])).openNow(Duration.ofSeconds(10));
            q.send(messages.map(m -> SysVMessage.of(m, 1))).block();
        }
    }
}
