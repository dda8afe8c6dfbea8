package io.interflux.examples.webflux.jobs;

import io.interflux.UnixSignal;
import io.interflux.examples.webflux.LocalClient;
import io.interflux.examples.webflux.Polling;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "interflux.example.heartbeat=500ms")
@DirtiesContext
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("POST /jobs and GET /jobs/results")
class JobEndpointTest {

    private static final Duration LIMIT = Duration.ofSeconds(20);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path fifos;

    @DynamicPropertySource
    static void fifoDirectory(DynamicPropertyRegistry registry) {
        registry.add("interflux.example.fifos.directory", () -> fifos.toString());
    }

    @LocalServerPort
    int port;

    @Autowired
    WorkerProcess worker;

    @Autowired
    JobQueues queues;

    WebTestClient client;

    @BeforeEach
    void client() {
        client = LocalClient.of(port);
    }

    private String post(String body, MediaType type) {
        String answer = client.post().uri("/jobs").contentType(type).bodyValue(body).exchange()
                .expectStatus().isAccepted()
                .expectBody(String.class).returnResult().getResponseBody();
        Map<?, ?> fields = JSON.readValue(answer, Map.class);
        assertThat(fields.get("id")).asString().startsWith("job-");
        return (String) fields.get("id");
    }

    private Flux<JobResult> results() {
        return LocalClient.events(client, "/jobs/results")
                .filter(event -> !LocalClient.isHeartbeat(event))
                .map(JobEndpointTest::result);
    }

    private static JobResult result(ServerSentEvent<String> event) {
        assertThat(event.event()).isEqualTo("result");
        JobResult result = JSON.readValue(event.data(), JobResult.class);
        assertThat(event.id()).isEqualTo(result.id());
        return result;
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    @DisplayName("the worker is a child JVM of the application, running JobWorker on the two queues of this instance")
    void workerIsAChildJvm() {
        ProcessHandle child = ProcessHandle.of(worker.child().pid()).orElseThrow();
        assertThat(child.isAlive()).isTrue();
        assertThat(child.parent().map(ProcessHandle::pid)).contains(ProcessHandle.current().pid());
        assertThat(commandLine(child.pid()))
                .contains(JobWorker.class.getName(), queues.jobs().name(), queues.results().name());
        assertThat(queues.jobs().name()).startsWith("/interflux-webflux-" + ProcessHandle.current().pid() + "-");
    }

    @Test
    @DisplayName("answers a text job with 202 and its id, and streams the worker's result for it")
    void textJob() throws Exception {
        String body = "the quick brown fox\njumps over the lazy dog";
        String digest = sha256(body);
        String id = post(body, MediaType.TEXT_PLAIN);
        StepVerifier.create(results(), 0)
                .thenRequest(1)
                .assertNext(result -> {
                    assertThat(result.id()).isEqualTo(id);
                    assertThat(result.worker()).isEqualTo(worker.child().pid());
                    assertThat(result.contentType()).startsWith(MediaType.TEXT_PLAIN_VALUE);
                    assertThat(result.words()).isEqualTo(9);
                    assertThat(result.lines()).isEqualTo(2);
                    assertThat(result.bytes()).isEqualTo(body.length());
                    assertThat(result.sha256()).isEqualTo(digest);
                    assertThat(result.error()).isNull();
                })
                .thenCancel()
                .verify(LIMIT);
    }

    @Test
    @DisplayName("passes a JSON job on with its type and digest, refuses JSON that is not, and other types")
    void jsonJobs() throws Exception {
        String body = "{\"text\":\"héllo wörld\"}";
        String id = post(body, MediaType.APPLICATION_JSON);
        StepVerifier.create(results().take(1))
                .assertNext(result -> {
                    assertThat(result.id()).isEqualTo(id);
                    assertThat(result.contentType()).isEqualTo(MediaType.APPLICATION_JSON_VALUE);
                    assertThat(result.bytes()).isEqualTo(body.getBytes(StandardCharsets.UTF_8).length);
                })
                .expectComplete()
                .verify(LIMIT);
        client.post().uri("/jobs").contentType(MediaType.APPLICATION_JSON).bodyValue("{not json").exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.message").value(m -> assertThat(m.toString()).contains("not JSON"));
        client.post().uri("/jobs").contentType(MediaType.APPLICATION_XML).bodyValue("<job/>").exchange()
                .expectStatus().isEqualTo(HttpStatus.UNSUPPORTED_MEDIA_TYPE);
    }

    @Test
    @DisplayName("answers 413, naming the limit, for a job larger than a queue message")
    void tooLarge() {
        int limit = queues.jobs().maxMessageSize();
        client.post().uri("/jobs").contentType(MediaType.TEXT_PLAIN).bodyValue("x".repeat(limit)).exchange()
                .expectStatus().isEqualTo(HttpStatus.CONTENT_TOO_LARGE)
                .expectBody().jsonPath("$.error").value(m -> assertThat(m.toString()).contains("limit of " + limit));
    }

    @Test
    @DisplayName("answers 503 with Retry-After once the queue is full, at once, and every accepted job is still done")
    void fullQueue() throws Exception {
        long pid = worker.child().pid();
        List<String> accepted = new ArrayList<>();
        worker.child().signal(UnixSignal.SIGSTOP).block(LIMIT);
        try {
            Polling.await(LIMIT, () -> "the worker is stopped", () -> "T".equals(state(pid)));
            int capacity = queues.jobs().maxMessages();
            for (int i = 0; i < capacity; i++) {
                accepted.add(post("job number " + i, MediaType.TEXT_PLAIN));
            }
            client.post().uri("/jobs").contentType(MediaType.TEXT_PLAIN).bodyValue("one too many").exchange()
                    .expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
                    .expectHeader().valueEquals(HttpHeaders.RETRY_AFTER, "1")
                    .expectBody().jsonPath("$.error").value(m -> assertThat(m.toString()).contains("full"));
            assertThat(queues.jobs().currentMessages()).isEqualTo(capacity);
        } finally {
            worker.child().signal(UnixSignal.SIGCONT).block(LIMIT);
        }
        Set<String> done = new HashSet<>();
        StepVerifier.create(results().filter(result -> accepted.contains(result.id())).take(accepted.size()), 0)
                .thenRequest(accepted.size())
                .thenConsumeWhile(result -> done.add(result.id()))
                .expectComplete()
                .verify(LIMIT);
        assertThat(done).containsExactlyInAnyOrderElementsOf(accepted);
    }

    /** The whole {@code /proc/<pid>/cmdline} (ProcessHandle.Info cuts a long class path short), arguments joined by spaces. */
    private static String commandLine(long pid) {
        try (var in = Files.newInputStream(Path.of("/proc", Long.toString(pid), "cmdline"))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    /** The state letter of {@code /proc/<pid>/stat}: R, S, T (stopped), ... */
    private static String state(long pid) {
        try (BufferedReader in = Files.newBufferedReader(Path.of("/proc", Long.toString(pid), "stat"))) {
            String stat = in.readLine();
            return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        } catch (IOException e) {
            return "?";
        }
    }
}
