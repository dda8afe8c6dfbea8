package io.interflux.examples.webflux.fifo;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("A FIFO name")
class FifoNameTest {

    @ParameterizedTest
    @ValueSource(strings = {"demo", "a", "log-2026.01_x", "A.b.c", "_"})
    @DisplayName("may be letters, digits, '.', '_' and '-'")
    void valid(String name) {
        assertThat(new FifoName(name).value()).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", ".hidden", "a..b", "../etc", "a/b", "/abs", "with space", "tab\t", "ünïcode",
            "x\u0000y"})
    @DisplayName("may not leave the FIFO directory, hide, or hold anything else: 400")
    void invalid(String name) {
        assertThatThrownBy(() -> new FifoName(name))
                .isInstanceOfSatisfying(ResponseStatusException.class,
                        e -> assertThat(e.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST))
                .hasMessageContaining("[A-Za-z0-9._-]");
    }

    @Test
    @DisplayName("is at most 64 characters long")
    void length() {
        assertThat(new FifoName("x".repeat(64)).value()).hasSize(64);
        assertThatThrownBy(() -> new FifoName("x".repeat(65))).isInstanceOf(ResponseStatusException.class);
    }
}
