package io.interflux.testkit;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(120)
@DisplayName("A child JVM fixture")
class ChildJvmTest {

    @Test
    @DisplayName("runs a main class of the test class path to its end and gives its exit code and output")
    void runsToTheEnd() {
        ChildJvm.Finished done = ChildJvm.of(Peer.class, "echo", "hello").run(Duration.ofSeconds(60));
        assertThat(done.exitCode()).as(done.toString()).isZero();
        assertThat(done.stdout()).isEqualTo("hello\n");
        assertThat(done.stderr()).contains("to stderr");

        assertThat(ChildJvm.of(Peer.class, "exit", "3").run(Duration.ofSeconds(60)).exitCode()).isEqualTo(3);
    }

    @Test
    @DisplayName("kills a child that outlives its time, and the child it started, and says what it wrote")
    void killsAtTheDeadline() {
        long[] pids = new long[2];
        assertThatThrownBy(() -> ChildJvm.of(Peer.class, "hang").run(Duration.ofSeconds(10)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("did not finish within PT10S")
                .satisfies(e -> {
                    String said = e.getMessage().lines().filter(l -> l.startsWith("pids ")).findFirst().orElseThrow();
                    String[] p = said.substring(5).split(" ");
                    pids[0] = Long.parseLong(p[0]);
                    pids[1] = Long.parseLong(p[1]);
                });
        for (long pid : pids) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    .as("process %d is gone", pid).isFalse();
        }
    }

    @Test
    @DisplayName("can leave a library out of the child's class path")
    void withoutALibrary() {
        assertThat(ChildJvm.of(Peer.class, "has", "org.assertj.core.api.Assertions").run(Duration.ofSeconds(60)).stdout())
                .isEqualTo("present\n");
        assertThat(ChildJvm.of(Peer.class, "has", "org.assertj.core.api.Assertions")
                .withoutClassPathEntries("assertj-core").run(Duration.ofSeconds(60)).stdout())
                .isEqualTo("absent\n");
    }

    /** The child: echoes, exits with a code, hangs with a child of its own, or says whether a class is there. */
    public static final class Peer {
        public static void main(String[] args) throws Exception {
            switch (args[0]) {
                case "echo":
                    System.out.println(args[1]);
                    System.err.println("to stderr");
                    break;
                case "exit":
                    System.exit(Integer.parseInt(args[1]));
                    break;
                case "hang":
                    Process sleeper = new ProcessBuilder("sleep", "600").start();
                    System.out.println("pids " + ProcessHandle.current().pid() + " " + sleeper.pid());
                    System.out.flush();
                    Thread.sleep(600_000); // the peer must outlive its deadline: this is what is tested
                    break;
                case "has":
                    try {
                        Class.forName(args[1], false, Peer.class.getClassLoader());
                        System.out.println("present");
                    } catch (ClassNotFoundException e) {
                        System.out.println("absent");
                    }
                    break;
                default:
                    throw new IllegalArgumentException(args[0]);
            }
        }
    }
}
