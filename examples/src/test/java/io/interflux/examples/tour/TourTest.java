package io.interflux.examples.tour;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every chapter of the tour runs to its end and measures its row, as {@code java -jar interflux-tour.jar} would. */
@DisplayName("The tour")
class TourTest {

    @TestFactory
    @Timeout(120)
    @DisplayName("each chapter does its real IPC and returns a measured row")
    Stream<DynamicTest> chapters() {
        return Tour.chapters().stream().map(chapter -> DynamicTest.dynamicTest(chapter.title(), () -> {
            ByteArrayOutputStream narration = new ByteArrayOutputStream();
            Chapter.Row row;
            try (PrintStream out = new PrintStream(narration, true, StandardCharsets.UTF_8)) {
                row = chapter.run(out);
            } catch (Exception | AssertionError e) {
                throw new AssertionError(chapter.title() + " failed after narrating:\n" + narration, e);
            }
            assertThat(row).as("the measured row of " + chapter.title()).isNotNull();
            assertThat(narration.toString(StandardCharsets.UTF_8)).isNotBlank();
        }));
    }
}
