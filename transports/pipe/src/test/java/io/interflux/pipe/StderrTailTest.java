package io.interflux.pipe;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The captured tail of a child's stderr")
class StderrTailTest {

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    @DisplayName("keeps the newest bytes in order, whether chunks are smaller than the tail, larger, or wrap it")
    void keepsTheNewestBytes() {
        StringBuilder all = new StringBuilder();
        StderrTail tail = new StderrTail(10);
        for (String chunk : new String[] {"abc", "defgh", "ijklmnopqrstuvwxyz0123", "45", "6789ABCDEFGHIJ"}) {
            tail.append(bytes(chunk));
            all.append(chunk);
            String expected = all.substring(Math.max(0, all.length() - 10));
            assertThat(tail.text()).as("after %s", chunk).isEqualTo(expected);
            assertThat(tail.total()).isEqualTo(all.length());
        }
    }
}
