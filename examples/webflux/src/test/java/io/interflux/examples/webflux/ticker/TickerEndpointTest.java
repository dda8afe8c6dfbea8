package io.interflux.examples.webflux.ticker;

import io.interflux.examples.webflux.LocalClient;
import io.interflux.examples.webflux.Polling;
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

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"interflux.example.ticker.period=100ms", "interflux.example.ticker.max-clients=2"})
@DirtiesContext
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("GET /ticker")
class TickerEndpointTest {

    private static final Duration LIMIT = Duration.ofSeconds(20);
    private static final Pattern TICK = Pattern.compile("tick (\\d+) pid (\\d+) load [0-9.]+ [0-9.]+ [0-9.]+");

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

    private Flux<ServerSentEvent<String>> ticks() {
        return LocalClient.events(client, "/ticker");
    }

    /** The tick's number and the pid of the child that printed it. */
    private static long[] parse(ServerSentEvent<String> event) {
        assertThat(event.event()).isEqualTo("tick");
        Matcher m = TICK.matcher(event.data());
        assertThat(m.matches()).as("a tick line: %s", event.data()).isTrue();
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Test
    @DisplayName("streams the lines of a child process started for the client, and kills it when the client goes away")
    void childPerClientKilledOnCancel() {
        long[] pid = new long[1];
        StepVerifier.create(ticks(), 0)
                .thenRequest(1)
                .assertNext(first -> {
                    long[] tick = parse(first);
                    assertThat(tick[0]).as("a fresh child counts from 1").isEqualTo(1);
                    assertThat(first.id()).isEqualTo("0");
                    pid[0] = tick[1];
                    ProcessHandle child = ProcessHandle.of(pid[0]).orElseThrow();
                    assertThat(child.parent().map(ProcessHandle::pid)).contains(ProcessHandle.current().pid());
                })
                .thenRequest(2)
                .assertNext(second -> assertThat(parse(second)).containsExactly(2, pid[0]))
                .assertNext(third -> assertThat(parse(third)).containsExactly(3, pid[0]))
                .thenCancel()
                .verify(LIMIT);
        Polling.await(LIMIT, () -> "the ticker child " + pid[0] + " is gone after the client cancelled", () -> !alive(pid[0]));
    }

    @Test
    @DisplayName("gives each client its own child, and refuses one more than max-clients with 503")
    void oneChildEachBounded() {
        long[] pids = new long[2];
        StepVerifier.create(ticks(), 1)
                .assertNext(tick -> pids[0] = parse(tick)[1])
                .then(() -> StepVerifier.create(ticks(), 1)
                        .assertNext(tick -> {
                            assertThat(parse(tick)[0]).isEqualTo(1);
                            pids[1] = parse(tick)[1];
                        })
                        .then(() -> client.get().uri("/ticker").exchange()
                                .expectStatus().isEqualTo(HttpStatus.SERVICE_UNAVAILABLE)
                                .expectBody().jsonPath("$.message").value(m -> assertThat(m.toString()).contains("2 tickers")))
                        .thenCancel()
                        .verify(LIMIT))
                .thenCancel()
                .verify(LIMIT);
        assertThat(pids[1]).isNotEqualTo(pids[0]);
        Polling.await(LIMIT, () -> "both children are gone", () -> !alive(pids[0]) && !alive(pids[1]));
        // and the slots are free again
        StepVerifier.create(ticks(), 1)
                .assertNext(tick -> assertThat(parse(tick)[0]).isEqualTo(1))
                .thenCancel()
                .verify(LIMIT);
    }

    @Test
    @DisplayName("takes no command from the request: there is no /run?cmd=, and /ticker ignores a cmd parameter")
    void noShellFromHttp() {
        client.get().uri("/run?cmd=touch%20/tmp/pwned").exchange().expectStatus().isNotFound();
        client.post().uri("/run?cmd=id").exchange().expectStatus().isNotFound();
        StepVerifier.create(LocalClient.events(client, "/ticker?cmd=id").take(1))
                .assertNext(tick -> assertThat(tick.data()).matches(TICK))
                .expectComplete()
                .verify(LIMIT);
    }
}
