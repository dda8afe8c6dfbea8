package io.interflux.examples.webflux;

import io.interflux.Codec;
import io.interflux.Creation;
import io.interflux.fifo.Fifo;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"interflux.example.ticker.period=200ms", "interflux.example.heartbeat=1s"})
@DirtiesContext
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("The page at /")
class PageTest {

    private static final Duration LIMIT = Duration.ofSeconds(20);
    /** Where the screenshot goes: the module's target directory (surefire runs in the module's directory). */
    private static final Path SCREENSHOT = Path.of("target", "webflux-page.png");

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

    @Test
    @DisplayName("is a static page with plain JavaScript that opens an EventSource per stream")
    void served() {
        client.get().uri("/").exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_HTML)
                .expectBody(String.class).value(html -> assertThat(html).contains("<script src=\"app.js\">", "fifo-count"));
        client.get().uri("/app.js").exchange()
                .expectStatus().isOk()
                .expectBody(String.class).value(js -> assertThat(js).contains("new EventSource(", "fifo/", "jobs/results", "ticker"));
    }

    @Test
    @DisplayName("shows the FIFO's lines, the jobs' results and the ticker's ticks live in a headless Chromium")
    void liveInChromium() throws Exception {
        Path binary = Chromium.find().orElse(null);
        assumeTrue(binary != null, "no Chromium on PATH (chromium, chromium-browser, google-chrome):"
                + " install it (apt-get install chromium) to run the browser test");
        try (Chromium chromium = Chromium.start(binary, LIMIT)) {
            DevTools devTools = chromium.devTools();
            String page = devTools.openPage("http://127.0.0.1:" + port + "/");
            // the page reads the FIFO "demo" as it loads: write into it once its reader has made it
            Path demo = fifos.resolve("demo");
            Polling.await(LIMIT, () -> "the page opened FIFO " + demo + "; Chromium's log:\n" + chromium.log(),
                    () -> Files.exists(demo, LinkOption.NOFOLLOW_LINKS));
            Fifo.at(demo).creation(Creation.OPEN_EXISTING).codec(Codec.utf8())
                    .send(Flux.just("written by the test", "into the FIFO", "the page reads")).block(LIMIT);
            client.post().uri("/jobs").contentType(MediaType.TEXT_PLAIN).bodyValue("a job from the test").exchange()
                    .expectStatus().isAccepted();

            String counts = "({fifo: +document.getElementById('fifo-count').textContent,"
                    + " jobs: +document.getElementById('jobs-count').textContent,"
                    + " ticker: +document.getElementById('ticker-count').textContent})";
            JsonNode[] seen = new JsonNode[1];
            Polling.await(LIMIT, () -> "every count above 0, but the page shows " + seen[0], () -> {
                seen[0] = devTools.evaluate(page, counts);
                return seen[0].get("fifo").asInt() >= 3 && seen[0].get("jobs").asInt() > 0 && seen[0].get("ticker").asInt() > 0;
            });
            // the rates are computed once a second: wait for the ticker's to show
            Polling.await(LIMIT, () -> "a ticker rate above 0", () -> devTools.evaluate(page,
                    "+document.getElementById('ticker-rate').textContent").asDouble() > 0);
            assertThat(devTools.evaluate(page, "document.getElementById('fifo-list').textContent").asString())
                    .contains("written by the test", "the page reads");
            Files.createDirectories(SCREENSHOT.getParent());
            Files.write(SCREENSHOT, devTools.screenshot(page));
            assertThat(Files.size(SCREENSHOT)).isGreaterThan(1000);
        }
    }
}
