package io.interflux.internal;

import io.interflux.EventLoop;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(30)
@DisplayName("BlockHound is installed in this test JVM")
class BlockHoundLiveTest {

    static EventLoop loop;

    @BeforeAll
    static void start() {
        loop = EventLoop.create("blockhound-test", 1);
    }

    @AfterAll
    static void stop() {
        loop.disposeLater().block(Duration.ofSeconds(10));
    }

    @Test
    @DisplayName("a sleep on a Reactor parallel thread fails with BlockingOperationError")
    void sleepOnParallelThreadFails() {
        Mono<String> sleeping = Mono.fromCallable(() -> {
            Thread.sleep(1);
            return "slept";
        }).subscribeOn(Schedulers.parallel());
        assertThatThrownBy(() -> sleeping.block(Duration.ofSeconds(10)))
                .hasCauseInstanceOf(BlockingOperationError.class);
    }

    @Test
    @DisplayName("a sleep on an Interflux event-loop thread fails with BlockingOperationError")
    void sleepOnLoopThreadFails() throws Exception {
        CompletableFuture<Throwable> seen = new CompletableFuture<>();
        Spi.poller(loop).execute(() -> {
            try {
                Thread.sleep(1);
                seen.complete(null);
            } catch (Throwable t) {
                seen.complete(t);
            }
        });
        assertThat(seen.get(10, TimeUnit.SECONDS)).isInstanceOf(BlockingOperationError.class);
    }

    @Test
    @DisplayName("the library's own blocking native entry point is refused off the loop's sleep")
    void epollWaitIsMarkedBlocking() {
        Mono<Integer> waiting = Mono.fromCallable(() -> BlockingCalls.epollWait(-1, 0, 1, 0))
                .subscribeOn(Schedulers.parallel());
        assertThatThrownBy(() -> waiting.block(Duration.ofSeconds(10)))
                .hasCauseInstanceOf(BlockingOperationError.class)
                .hasStackTraceContaining("epollWait");
    }

    @Test
    @DisplayName("block() is refused on an event-loop thread")
    void blockIsRefusedOnLoop() throws Exception {
        CompletableFuture<Throwable> seen = new CompletableFuture<>();
        Spi.poller(loop).execute(() -> {
            try {
                Mono.just(1).hide().block();
                seen.complete(null);
            } catch (Throwable t) {
                seen.complete(t);
            }
        });
        assertThat(seen.get(10, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("block");
    }
}
