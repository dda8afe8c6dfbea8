package io.interflux.examples.webflux;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * A WebFlux application whose HTTP endpoints are served by Interflux: a FIFO's lines, a job queue
 * worked by a child JVM, and a fixed child process's stdout, each as Server-Sent Events, with a
 * page at {@code /} that shows them live.
 *
 * <pre>{@code
 * mvn -q package -DskipTests -pl examples/webflux -am && java -jar examples/webflux/target/interflux-webflux.jar
 * }</pre>
 */
@SpringBootApplication
@EnableConfigurationProperties(ExampleProperties.class)
public class WebfluxApplication {

    /** Starts the application; {@code --server.port=...} and the {@code interflux.example.*} properties apply. */
    public static void main(String[] args) {
        SpringApplication.run(WebfluxApplication.class, args);
    }
}
