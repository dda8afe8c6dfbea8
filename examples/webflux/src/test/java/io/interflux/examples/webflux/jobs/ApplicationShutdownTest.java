package io.interflux.examples.webflux.jobs;

import io.interflux.Creation;
import io.interflux.IpcException;
import io.interflux.examples.webflux.WebfluxApplication;
import io.interflux.mqueue.PosixQueue;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("Closing the application")
class ApplicationShutdownTest {

    @Test
    @DisplayName("kills and reaps the worker, and removes both queues")
    void stopsWorkerAndRemovesQueues(@TempDir Path fifos) {
        long pid;
        String jobs;
        String results;
        // arguments, not builder properties: those are defaults, below application.properties' port 8080
        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(WebfluxApplication.class)
                .run("--server.port=0", "--interflux.example.fifos.directory=" + fifos)) {
            pid = app.getBean(WorkerProcess.class).child().pid();
            jobs = app.getBean(JobQueues.class).jobs().name();
            results = app.getBean(JobQueues.class).results().name();
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);
        }
        // the close waits for the reap: the worker is gone when it returns, not some time later
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        for (String queue : new String[] {jobs, results}) {
            assertThatThrownBy(() -> PosixQueue.named(queue).creation(Creation.OPEN_EXISTING).openNow(Duration.ofSeconds(5)))
                    .isInstanceOf(IpcException.class)
                    .hasMessageContaining("ENOENT");
        }
    }

    @Test
    @DisplayName("ends the worker even when the application dies without closing, since its stdin then ends")
    void workerEndsWithItsStdin() throws Exception {
        // what a kill -9 of the application does to the worker's stdin, done by hand: the pipe's last writer closes it
        Path dir = Path.of(System.getProperty("java.io.tmpdir"));
        String prefix = "/interflux-webflux-test-" + ProcessHandle.current().pid();
        PosixQueue jobs = PosixQueue.named(prefix + "-jobs").creation(Creation.CREATE_NEW).maxMessages(2)
                .maxMessageSize(512).openNow(Duration.ofSeconds(5));
        PosixQueue results = PosixQueue.named(prefix + "-results").creation(Creation.CREATE_NEW).maxMessages(2)
                .maxMessageSize(512).openNow(Duration.ofSeconds(5));
        Process process = new ProcessBuilder(WorkerCommand.of(JobWorker.class,
                List.of("-Xmx64m", "-XX:TieredStopAtLevel=1"), List.of(jobs.name(), results.name())))
                .directory(dir.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            process.getOutputStream().close();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the worker ended once its stdin closed").isTrue();
            assertThat(process.exitValue()).isZero();
        } finally {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            jobs.disposeNow(Duration.ofSeconds(5));
            results.disposeNow(Duration.ofSeconds(5));
        }
    }
}
