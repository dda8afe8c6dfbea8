package io.interflux.pipe;

import io.interflux.Codec;
import io.interflux.Framing;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import java.time.Duration;

class SmokeTest {
    @Test
    void echo() {
        StepVerifier.create(ChildProcess.command("echo", "hello").start()
                        .flatMapMany(p -> p.stdout(Framing.lines(), Codec.utf8()).concatWith(p.exit().map(String::valueOf))), 0)
                .thenRequest(1)
                .expectNext("hello")
                .thenRequest(1)
                .expectNext("0")
                .verifyComplete();
    }
}
