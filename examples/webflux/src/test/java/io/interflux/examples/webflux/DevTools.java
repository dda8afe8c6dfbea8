package io.interflux.examples.webflux;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal Chrome DevTools Protocol client over the JDK's {@link WebSocket}: commands are JSON
 * objects with an id, answered by an object with the same id; events are ignored. Page commands
 * go to a page's session, attached in flattened mode on the browser's one connection.
 */
public final class DevTools {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final WebSocket socket;
    private final Duration timeout;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    private DevTools(WebSocket socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
    }

    /** Connects to the browser endpoint {@code ws://host:port/devtools/browser/<id>}. */
    static DevTools connect(URI endpoint, Duration timeout) {
        Listener listener = new Listener();
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .connectTimeout(timeout)
                .buildAsync(endpoint, listener)
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .join();
        DevTools devTools = new DevTools(socket, timeout);
        listener.devTools = devTools;
        return devTools;
    }

    /** Opens {@code url} in a new tab and attaches to it; the page's session id. */
    public String openPage(String url) {
        String target = call(null, "Target.createTarget", JSON.createObjectNode().put("url", url))
                .get("targetId").asString();
        return call(null, "Target.attachToTarget", JSON.createObjectNode().put("targetId", target).put("flatten", true))
                .get("sessionId").asString();
    }

    /** The value of {@code expression} evaluated in the page, as JSON. */
    public JsonNode evaluate(String session, String expression) {
        JsonNode answer = call(session, "Runtime.evaluate",
                JSON.createObjectNode().put("expression", expression).put("returnByValue", true));
        if (answer.has("exceptionDetails")) {
            throw new IllegalStateException("the page threw on " + expression + ": " + answer.get("exceptionDetails"));
        }
        return answer.get("result").get("value");
    }

    /** A PNG of the page as it is shown. */
    public byte[] screenshot(String session) {
        String data = call(session, "Page.captureScreenshot", JSON.createObjectNode().put("format", "png"))
                .get("data").asString();
        return java.util.Base64.getDecoder().decode(data);
    }

    /** Asks the browser to close (answered or not: it may close the socket first), and closes the connection. */
    void closeBrowser() {
        try {
            send(null, "Browser.close", JSON.createObjectNode());
        } catch (RuntimeException e) {
            // the socket is gone already: the caller kills the browser instead
        }
        socket.abort();
    }

    private JsonNode call(String session, String method, ObjectNode params) {
        CompletableFuture<JsonNode> answer = send(session, method, params);
        JsonNode reply = answer.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).join();
        if (reply.has("error")) {
            throw new IllegalStateException(method + " failed: " + reply.get("error"));
        }
        return reply.get("result");
    }

    private CompletableFuture<JsonNode> send(String session, String method, ObjectNode params) {
        int id = ids.incrementAndGet();
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", params);
        if (session != null) {
            message.put("sessionId", session);
        }
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        socket.sendText(JSON.writeValueAsString(message), true).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).join();
        return answer;
    }

    /** Gathers a message's frames, and completes the command its id answers. */
    private static final class Listener implements WebSocket.Listener {
        private final StringBuilder frames = new StringBuilder();
        private volatile DevTools devTools;

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            frames.append(data);
            if (last) {
                JsonNode message = JSON.readTree(frames.toString());
                frames.setLength(0);
                if (message.has("id") && devTools != null) {
                    CompletableFuture<JsonNode> answer = devTools.pending.remove(message.get("id").asInt());
                    if (answer != null) {
                        answer.complete(message);
                    }
                }
            }
            socket.request(1);
            return null;
        }
    }
}
