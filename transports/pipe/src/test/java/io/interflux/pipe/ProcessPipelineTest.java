package io.interflux.pipe;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.IpcException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.test.StepVerifier;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
@DisplayName("A process pipeline")
class ProcessPipelineTest {

    @Test
    @DisplayName("joins stages with a kernel pipe and exposes the last stage's stdout")
    void joinsStages() {
        ProcessPipeline p = ProcessPipeline.start(
                ChildProcess.command("printf", "alpha\\npython3\\nbeta\\nmicropython\\n"),
                ChildProcess.command("grep", "python"),
                ChildProcess.command("sort", "-r")).block(Duration.ofSeconds(20));
        try {
            StepVerifier.create(p.last().stdout(Framing.lines(), Codec.utf8()).collectList())
                    .expectNext(List.of("python3", "micropython"))
                    .verifyComplete();
            StepVerifier.create(p.exits()).expectNext(List.of(0, 0, 0)).verifyComplete();
        } finally {
            p.dispose();
        }
    }

    @Test
    @DisplayName("a stage that cannot start kills the others and leaks no descriptor")
    void failedStage() throws IOException {
        ChildProcessTest.warmUp(); // the loop's descriptors and loaded jars are not the pipeline's
        long before = ChildProcessTest.openDescriptors();
        StepVerifier.create(ProcessPipeline.start(ChildProcess.command("sleep", "30"),
                        ChildProcess.command("interflux-no-such-filter")))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IpcException.class)
                        .hasMessageContaining("interflux-no-such-filter"))
                .verify(Duration.ofSeconds(20));
        // the killed first stage is reaped on the loop, which then closes its pidfd
        ChildProcessTest.awaitDescriptors(before);
    }
}
