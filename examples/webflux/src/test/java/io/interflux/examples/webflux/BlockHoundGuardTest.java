package io.interflux.examples.webflux;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.blockhound.BlockingOperationError;
import reactor.netty.http.HttpResources;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The other tests of this module mean something only if a blocking call on a Netty event-loop
 * thread (where the application's handlers run) fails them: this shows that it does.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
@DisplayName("BlockHound, in this module's test JVM")
class BlockHoundGuardTest {

    @Test
    @DisplayName("fails a blocking call on a reactor-netty event-loop thread, where the endpoints run")
    void guardsNettyThreads() {
        assertThatThrownBy(() -> HttpResources.get().onServer(true).next()
                .submit(() -> {
                    Thread.sleep(1);
                    return null;
                }).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(BlockingOperationError.class);
    }
}
