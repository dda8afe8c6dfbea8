package io.interflux.testkit;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.test.StepVerifier;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(30)
@DisplayName("Numbered frames")
class NumberedFramesTest {

    @Test
    @DisplayName("carry their sequence number and size through a check")
    void roundTrip() {
        byte[] frame = NumberedFrames.frame(0x0102030405060708L, 40);
        assertThat(NumberedFrames.sequenceOf(frame)).isEqualTo(0x0102030405060708L);
        NumberedFrames.check(frame, 0x0102030405060708L, 40);
    }

    @Test
    @DisplayName("report a lost frame, a repeated one, a wrong size and a corrupt byte")
    void reportDamage() {
        byte[] five = NumberedFrames.frame(5, 16);
        assertThatThrownBy(() -> NumberedFrames.check(five, 4, 16)).hasMessageContaining("1 frames lost");
        assertThatThrownBy(() -> NumberedFrames.check(five, 6, 16)).hasMessageContaining("duplicate");
        assertThatThrownBy(() -> NumberedFrames.check(five, 5, 17)).hasMessageContaining("should be 17 bytes");
        five[12] ^= 1;
        assertThatThrownBy(() -> NumberedFrames.sequenceOf(five)).hasMessageContaining("corrupt at byte 12");
    }

    @Test
    @DisplayName("are made only as they are requested, and counted")
    void countedOnDemand() {
        AtomicLong pulled = new AtomicLong();
        StepVerifier.create(NumberedFrames.counted(10, 8, pulled), 0)
                .expectSubscription()
                .then(() -> assertThat(pulled).hasValue(0))
                .thenRequest(3)
                .expectNextCount(3)
                .then(() -> assertThat(pulled).hasValue(3))
                .thenRequest(Long.MAX_VALUE)
                .expectNextCount(7)
                .verifyComplete();
        assertThat(pulled).hasValue(10);
    }
}
