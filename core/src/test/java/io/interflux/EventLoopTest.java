package io.interflux;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
@DisplayName("An event loop")
class EventLoopTest {

    @Test
    @DisplayName("disposeLater() completes, every time, and only after every one of its threads has exited")
    void disposeLaterWaitsForTheThreads() {
        // the last poller used to signal from its own, still living thread: a count right after
        // the wait found it about one time in a few hundred, so try often enough to see it
        for (int round = 0; round < 200; round++) {
            String name = "dispose-" + round;
            EventLoop loop = EventLoop.create(name, 2);
            loop.disposeLater().block(Duration.ofSeconds(10));
            assertThat(threadsNamed(name + "-")).as("round %d", round).isEmpty();
            assertThat(loop.isDisposed()).isTrue();
        }
    }

    @Test
    @DisplayName("a disposed loop refuses new descriptors, naming itself")
    void disposedRefuses() {
        EventLoop loop = EventLoop.create("refusing", 1);
        loop.disposeLater().block(Duration.ofSeconds(10));
        assertThatThrownBy(loop::next).isInstanceOf(IllegalStateException.class)
                .hasMessage("event loop refusing is disposed");
    }

    @Test
    @DisplayName("the shared loop cannot be disposed")
    void sharedStays() {
        assertThatThrownBy(() -> EventLoop.shared().dispose()).isInstanceOf(UnsupportedOperationException.class);
        assertThat(EventLoop.shared().isDisposed()).isFalse();
    }

    private static List<String> threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(n -> n.startsWith(prefix)).collect(Collectors.toList());
    }
}
