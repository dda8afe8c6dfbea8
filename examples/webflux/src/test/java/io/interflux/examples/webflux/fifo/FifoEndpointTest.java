package io.interflux.examples.webflux.fifo;

import io.interflux.examples.webflux.LocalClient;
import io.interflux.examples.webflux.Polling;
import io.interflux.examples.webflux.Shell;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatus;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"interflux.example.heartbeat=300ms", "interflux.example.fifos.max-line-length=2048"})
@DirtiesContext
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("GET /fifo/{name}")
class FifoEndpointTest {

    private static final Duration LIMIT = Duration.ofSeconds(20);

    @TempDir
    static Path fifos;

    @DynamicPropertySource
    static void fifoDirectory(DynamicPropertyRegistry registry) {
        registry.add("interflux.example.fifos.directory", () -> fifos.toString());
    }

    @LocalServerPort
    int port;

    WebTestClient client;

    @BeforeEach
    void client() {
        client = LocalClient.of(port);
    }

    private Flux<ServerSentEvent<String>> lines(String name) {
        return LocalClient.events(client, "/fifo/" + name).filter(event -> !LocalClient.isHeartbeat(event));
    }

    private static boolean isFifo(Path path) {
        try {
            return Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .isOther();
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    @DisplayName("streams each line a shell writes into the FIFO as an event, across writers, read as the client asks")
    void linesOfSeveralWriters() throws Exception {
        Path inbox = fifos.resolve("inbox");
        AtomicReference<Shell> shell = new AtomicReference<>();
        try {
            StepVerifier.create(lines("inbox"), 0)
                    .thenRequest(1)
                    .assertNext(ready -> {
                        assertThat(ready.event()).isEqualTo("ready");
                        assertThat(ready.data()).isEqualTo(inbox.toString());
                        assertThat(isFifo(inbox)).as("the FIFO exists once ready is sent").isTrue();
                    })
                    // two writers one after the other: the stream stays open when the first leaves
                    .then(() -> shell.set(Shell.run("echo hello > \"$1\" && echo 'from the shell' > \"$1\"",
                            inbox.toString())))
                    .thenRequest(2)
                    .assertNext(line -> {
                        assertThat(line.event()).isEqualTo("line");
                        assertThat(line.id()).isEqualTo("0");
                        assertThat(line.data()).isEqualTo("hello");
                    })
                    .assertNext(line -> {
                        assertThat(line.id()).isEqualTo("1");
                        assertThat(line.data()).isEqualTo("from the shell");
                    })
                    .thenCancel()
                    .verify(LIMIT);
            assertThat(shell.get().exit(10)).as("both echos got through").contains(0);
        } finally {
            if (shell.get() != null) {
                shell.get().close();
            }
        }
        Polling.await(LIMIT, () -> "the FIFO is removed once its client has gone", () -> !Files.exists(inbox,
                LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    @DisplayName("sends a heartbeat event, with the server's time, while no line comes")
    void heartbeat() {
        StepVerifier.create(LocalClient.events(client, "/fifo/quiet").filter(LocalClient::isHeartbeat).take(2))
                .assertNext(beat -> assertThat(Instant.parse(beat.data())).isBefore(Instant.now().plusSeconds(1)))
                .assertNext(beat -> assertThat(beat.event()).isEqualTo("heartbeat"))
                .verifyComplete();
    }

    @Test
    @DisplayName("refuses a name that is not a plain file name with 400, and creates nothing")
    void badNames() {
        for (String name : List.of("..%2Fetc", "%2E%2E", ".hidden", "a..b", "with%20space", "x".repeat(65))) {
            client.get().uri(URI.create("http://127.0.0.1:" + port + "/fifo/" + name)).exchange()
                    .expectStatus().isBadRequest()
                    .expectBody().jsonPath("$.message").value(m -> assertThat(m.toString()).contains("[A-Za-z0-9._-]"));
        }
        client.get().uri("/fifo/a/b").exchange().expectStatus().isNotFound();
        assertThat(fifos.toFile().list()).isEmpty();
    }

    @Test
    @DisplayName("has one reader per FIFO: a second client gets 409 until the first has gone")
    void oneReaderPerFifo() {
        Path shared = fifos.resolve("shared");
        StepVerifier.create(lines("shared"), 1)
                .assertNext(ready -> assertThat(ready.event()).isEqualTo("ready"))
                .then(() -> client.get().uri("/fifo/shared").exchange()
                        .expectStatus().isEqualTo(HttpStatus.CONFLICT)
                        .expectBody().jsonPath("$.message").value(m -> assertThat(m.toString()).contains("one reader per FIFO")))
                .thenCancel()
                .verify(LIMIT);
        Polling.await(LIMIT, () -> "the first reader's FIFO is removed", () -> !Files.exists(shared, LinkOption.NOFOLLOW_LINKS));
        StepVerifier.create(lines("shared"), 1)
                .assertNext(ready -> assertThat(ready.data()).isEqualTo(shared.toString()))
                .thenCancel()
                .verify(LIMIT);
    }

    @Test
    @DisplayName("answers 409 for a name that holds a regular file, and leaves the file alone")
    void notAFifo() throws Exception {
        Path plain = Files.writeString(fifos.resolve("plain"), "not a FIFO");
        try {
            client.get().uri("/fifo/plain").exchange()
                    .expectStatus().isEqualTo(HttpStatus.CONFLICT)
                    .expectBody().jsonPath("$.message").value(m -> assertThat(m.toString()).contains("plain"));
            assertThat(Files.readString(plain)).isEqualTo("not a FIFO");
        } finally {
            Files.delete(plain);
        }
    }

    @Test
    @DisplayName("ends the stream with a failed event naming the limit when a line is longer than allowed")
    void lineTooLong() throws Exception {
        AtomicReference<Shell> shell = new AtomicReference<>();
        try {
            StepVerifier.create(lines("long"), 1)
                    .assertNext(ready -> assertThat(ready.event()).isEqualTo("ready"))
                    .then(() -> shell.set(Shell.run("printf 'short\\n%s\\n' \"$(head -c 3000 /dev/zero | tr '\\0' x)\" > \"$1\"",
                            fifos.resolve("long").toString())))
                    .thenRequest(5)
                    .assertNext(line -> assertThat(line.data()).isEqualTo("short"))
                    .assertNext(failed -> {
                        assertThat(failed.event()).isEqualTo("failed");
                        assertThat(failed.data()).contains("limit=2048");
                    })
                    .expectComplete()
                    .verify(LIMIT);
        } finally {
            if (shell.get() != null) {
                shell.get().close();
            }
        }
    }

    /** A line of the flood: 999 characters and its newline, so the buffers on the way fill in a few thousand. */
    private static final String FLOOD_LINE = "x".repeat(999);
    /** Lines requested after the writer was seen blocked: more than every buffer on the way holds (a few MB). */
    private static final int MORE = 10_000;

    @Test
    @DisplayName("holds the process writing into the FIFO back while the client does not read, and lets it write on when it reads")
    void slowClientHoldsTheWriterBack() throws Exception {
        Path flood = fifos.resolve("flood");
        AtomicReference<Shell> writer = new AtomicReference<>();
        long[] blockedAt = new long[1];
        long[] after = new long[1];
        try {
            StepVerifier.create(lines("flood"), 0)
                    .thenRequest(1)
                    .assertNext(ready -> assertThat(ready.event()).isEqualTo("ready"))
                    // `yes` writes as fast as the FIFO takes it, in a process of its own
                    .then(() -> writer.set(Shell.run("exec yes \"$2\" > \"$1\"", flood.toString(), FLOOD_LINE)))
                    .then(() -> blockedAt[0] = awaitBlocked(writer.get()))
                    .thenRequest(MORE)
                    .expectNextCount(MORE)
                    .then(() -> Polling.await(LIMIT, () -> "the writer writes on once the client reads",
                            () -> (after[0] = writer.get().bytesWritten()) > blockedAt[0]))
                    .thenCancel()
                    .verify(Duration.ofSeconds(40));
        } finally {
            if (writer.get() != null) {
                writer.get().close();
            }
        }
        long lineBytes = FLOOD_LINE.length() + 1;
        System.out.printf("slow client: the writer blocked after %d bytes (%d lines) with 1 event read;"
                        + " after %d more events read it had written %d bytes (%d lines)%n",
                blockedAt[0], blockedAt[0] / lineBytes, MORE, after[0], after[0] / lineBytes);
        assertThat(blockedAt[0]).as("the writer filled the FIFO (64 KiB) before it blocked").isGreaterThan(64 * 1024);
    }

    /**
     * Waits until {@code writer} is blocked: asleep in the kernel's pipe write, its byte count
     * unchanged for 300 ms. Returns that count.
     */
    private static long awaitBlocked(Shell writer) {
        long[] last = {-1};
        long[] since = {System.nanoTime()};
        Polling.await(LIMIT, () -> "the writer is blocked, but it sleeps in " + writer.waitChannel() + " having written "
                + last[0] + " bytes", () -> {
            long written = writer.bytesWritten();
            if (written != last[0]) {
                last[0] = written;
                since[0] = System.nanoTime();
                return false;
            }
            return writer.waitChannel().contains("pipe_write")
                    && System.nanoTime() - since[0] > TimeUnit.MILLISECONDS.toNanos(300);
        });
        return last[0];
    }
}
