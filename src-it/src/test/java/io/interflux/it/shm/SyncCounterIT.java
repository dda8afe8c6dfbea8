package io.interflux.it.shm;

import io.interflux.pipe.ChildProcess;
import io.interflux.it.support.OsResources;
import io.interflux.shm.SharedSemaphore;
import io.interflux.shm.SharedValues;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two child JVMs counting into one shared long at the same time: under a shared lock with a
 * plain read-modify-write, and with the atomic add without a lock, not one addition is lost; a
 * plain read-modify-write without the lock, the control, loses some.
 */
@Timeout(60)
@DisplayName("A shared long two JVMs add to at once")
class SyncCounterIT {

    static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final OsResources os = new OsResources();

    /** What two children counted: the total, and how often they found the lock busy. */
    record Counted(long total, long busy) {
    }

    /** Starts two counting children, lets them go together, and returns what they counted once both have exited. */
    Counted countTwice(String how, long each) {
        SyncObjects objects = SyncObjects.unique("count-" + how);
        os.onRelease("remove " + objects, objects::remove);
        SharedValues values = os.track(SharedValues.named(objects.values()).slots(SyncPeer.SLOTS).openNow(WAIT));
        os.track(objects.remember(SharedSemaphore.lock(objects.semaphore()).openNow(WAIT)));
        List<Peer> children = List.of(child(objects, how, each), child(objects, how, each));
        for (Peer c : children) {
            c.expect("ready");
        }
        long start = System.nanoTime();
        values.longValue(SyncPeer.START).set(1);
        StringBuilder contended = new StringBuilder();
        long busy = 0;
        for (Peer c : children) {
            String done = c.next();
            assertThat(done).as("%s", c).startsWith("done contended ");
            String times = done.substring("done contended ".length());
            contended.append(' ').append(times);
            busy += Long.parseLong(times);
            c.expectSuccess();
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        long total = values.longValue(SyncPeer.TOTAL).get();
        System.out.println("[sync] two JVMs counting " + each + " each, " + how + ": total " + total + " in " + ms
                + " ms" + (how.equals("lock") ? "; the lock was busy when tried" + contended + " times" : ""));
        return new Counted(total, busy);
    }

    Peer child(SyncObjects objects, String how, long each) {
        return Peer.start(os, SyncPeer.jvm("count", objects.values(), objects.semaphore(), how, Long.toString(each))
                .as(ChildProcess::command));
    }

    // a million each under the lock took 4 to 6 s on the shared 2-core machine, each child finding
    // the lock busy 150,000 to 550,000 times: no need to count less. A thousand each is over too
    // soon for contention to be sure (0 to 3 busy tries were seen), so none is required of it.
    @ParameterizedTest(name = "{0}, {1} each")
    @CsvSource({"lock, 1000, 0", "atomic, 1000, 0", "atomic, 1000000, 0", "lock, 1000000, 1000"})
    @DisplayName("loses no addition of two JVMs adding 1 at the same time, each a plain read-modify-write under the shared lock or an atomic getAndAdd: the total is exactly twice what each added, the lock busy for the other thousands of times over a million")
    void exactTotal(String how, long each, long busyAtLeast) {
        Counted counted = countTwice(how, each);
        assertThat(counted.total()).as("total").isEqualTo(2 * each);
        assertThat(counted.busy()).as("times a child found the lock busy").isGreaterThanOrEqualTo(busyAtLeast);
    }

    // ten million each: about half a second of counting, so the two overlap even if one starts late
    @ParameterizedTest(name = "{0}, {1} each")
    @CsvSource({"racy, 10000000"})
    @DisplayName("loses additions of two JVMs doing a plain read-modify-write at the same time without the lock: the control, showing the counting test can fail")
    void racyTotal(String how, long each) {
        assertThat(countTwice(how, each).total()).as("total").isLessThan(2 * each);
    }
}
