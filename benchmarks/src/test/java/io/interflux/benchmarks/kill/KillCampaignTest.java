package io.interflux.benchmarks.kill;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The short form of the kill campaign: 10 kills per mechanism, of a fixed seed. The long form,
 * 100 per mechanism with a printed seed, is {@code java -jar interflux-benchmarks.jar kill}.
 * Every kill checks the Interflux side's reaction within its bound, the values against the
 * victim's count, and that nothing is left behind; a failure names the seed and index that replay
 * it ({@code kill --seed S --index I mechanism}).
 */
@Timeout(120)
@DisplayName("Peers killed with SIGKILL at random points")
class KillCampaignTest {

    /** The seed of mvn verify's run; the long form takes any. */
    static final long SEED = 20261201L;
    static final int KILLS = 10;

    private static KillCampaign campaign;

    @BeforeAll
    static void start() {
        assertThat(blockHoundWatches()).as("BlockHound is installed in the test JVM: the Interflux and Netty loops"
                + " the campaign's subscribers run on must not block").isTrue();
        campaign = new KillCampaign(SEED);
    }

    /** Whether a sleep on a non-blocking thread is refused. */
    private static boolean blockHoundWatches() {
        try {
            Mono.fromCallable(() -> {
                Thread.sleep(1);
                return 1;
            }).subscribeOn(Schedulers.parallel()).block(Duration.ofSeconds(10));
            return false;
        } catch (RuntimeException e) {
            return e.getCause() instanceof BlockingOperationError;
        }
    }

    @AfterAll
    static void stop() {
        campaign.close();
    }

    private static MechanismReport kill(String mechanism) {
        if (KillCampaign.needsPython(mechanism)) {
            assumeTrue(campaign.hasPython(), "no python3 here: its victim is the Python producer");
        }
        MechanismReport report = campaign.run(mechanism, 0, KILLS - 1);
        System.out.println(report);
        assertThat(report.failures()).as(report.toString()).isEmpty();
        assertThat(report.failed()).isZero();
        assertThat(report.kills()).isEqualTo(KILLS);
        assertThat(report.leaked()).isZero();
        return report;
    }

    @Test
    @DisplayName("a child writing into its stdout pipe: the pipe's lines arrive in order, then the stream completes")
    void pipe() {
        assertThat(kill("pipe").notes()).containsOnlyKeys("ended complete");
    }

    @Test
    @DisplayName("a writer into a FIFO: the FIFO's lines arrive in order, then the reader completes")
    void fifo() {
        assertThat(kill("fifo").notes()).containsOnlyKeys("ended complete");
    }

    @Test
    @DisplayName("a sender into a POSIX queue: the receive goes on, and every message the queue took arrives before a later one")
    void posixQueue() {
        assertThat(kill("posix-mq").notes()).containsOnlyKeys("drained");
    }

    @Test
    @DisplayName("a sender into a System V queue: the receive goes on, and every message the queue took arrives before a later one")
    void sysvQueue() {
        assertThat(kill("sysv-mq").notes()).containsOnlyKeys("drained");
    }

    @Test
    @DisplayName("a producer JVM emitting into a shared ring: every record it finished arrives, at most its one unfinished record is skipped")
    void ring() {
        MechanismReport report = kill("shm");
        assertThat(report.notes()).containsOnlyKeys("drained");
        assertThat(report.lostByDesign()).isLessThanOrEqualTo(KILLS);
    }

    @Test
    @DisplayName("a JVM taking and giving back a shared lock: the next holder gets it, told of the death whenever the victim died holding it")
    void lock() {
        kill("sync");
    }

    @Test
    @DisplayName("a client writing into a Unix socket: its lines arrive in order, then the receive ends, and the server serves the next client")
    void unix() {
        kill("unix");
    }

    @Test
    @DisplayName("a client writing into a TCP connection: its lines arrive in order, then the receive ends, and the server serves the next client")
    void tcp() {
        kill("tcp");
    }

    @Test
    @DisplayName("a JVM answering a request/stream over pipes, a Unix socket or rings: the numbers in order, then RpcException CONNECTION_CLOSE or CONNECTION_ERROR")
    void rpc() {
        kill("rpc");
    }
}
