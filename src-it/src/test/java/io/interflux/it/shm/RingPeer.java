package io.interflux.it.shm;

import io.interflux.Creation;
import io.interflux.testkit.ChildJvm;
import io.interflux.shm.RingMessage;
import io.interflux.shm.SharedRing;
import org.reactivestreams.Subscription;
import reactor.core.Exceptions;
import reactor.core.publisher.BaseSubscriber;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The child JVM of the shared-ring integration tests, on an existing ring, using Interflux itself.
 * The first argument is the mode, the second the ring's name:
 *
 * <pre>
 * produce NAME ID COUNT  prints "ready", waits for a line on stdin, sends records 0..COUNT-1 of
 *                        producer ID ({@link NumberedRecords}), prints "sent COUNT", exits 0
 * flood NAME ID          prints "ready", sends records 0, 1, 2, ... of producer ID until killed
 * consume NAME COUNT     prints "ready" once it receives, takes COUNT records, checks them
 *                        ({@link SequenceCheck}) and prints "received N checksum C", or
 *                        "fault ..." at the first record out of sequence; exits 0
 * hold NAME COUNT        prints "ready" once it receives, takes COUNT records, prints
 *                        "took COUNT", then asks for no more and stays the ring's consumer until
 *                        killed (or stdin ends)
 * idle NAME              prints "ready" once it receives; for each record (its payload a
 *                        System.nanoTime() of the sender, 8 bytes) prints "got ARRIVAL SENT"
 * </pre>
 *
 * System.nanoTime() is CLOCK_MONOTONIC on Linux, one clock for every process of the machine: a
 * test compares the child's arrival time with its own send time directly.
 */
public final class RingPeer {

    static final Duration WAIT = Duration.ofSeconds(30);

    private RingPeer() {
    }

    /** A child JVM running {@code RingPeer args}, with the flags every JVM that maps a ring needs. */
    static ChildJvm jvm(String... args) {
        List<String> options = new ArrayList<>(ChildJvm.DEFAULT_JVM_OPTIONS);
        options.add("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED");
        options.add("--enable-native-access=ALL-UNNAMED");
        return ChildJvm.of(RingPeer.class, args).jvmOptions(options.toArray(new String[0]));
    }

    static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    public static void main(String[] args) throws IOException {
        SharedRing ring = SharedRing.named(args[1]).creation(Creation.OPEN_EXISTING).openNow(WAIT);
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        switch (args[0]) {
            case "produce": {
                int id = Integer.parseInt(args[2]);
                long count = Long.parseLong(args[3]);
                say("ready");
                stdin.readLine();
                ring.send(NumberedRecords.range(id, count)).block(WAIT);
                say("sent " + count);
                break;
            }
            case "flood": {
                say("ready");
                ring.send(NumberedRecords.endless(Integer.parseInt(args[2]))).block();
                break;
            }
            case "consume": {
                SequenceCheck check = new SequenceCheck();
                try {
                    ring.receive().doOnSubscribe(s -> say("ready")).take(Long.parseLong(args[2]))
                            .doOnNext(check).then().block(WAIT);
                    say("received " + check.total() + " checksum " + check.checksum());
                } catch (RuntimeException | AssertionError e) {
                    // block() wraps the check's AssertionError in a ReactiveException
                    say("fault " + Exceptions.unwrap(e).getMessage());
                }
                break;
            }
            case "hold": {
                long count = Long.parseLong(args[2]);
                ring.receive().subscribe(new BaseSubscriber<RingMessage>() {
                    final AtomicLong taken = new AtomicLong();

                    @Override
                    protected void hookOnSubscribe(Subscription s) {
                        say("ready");
                        s.request(count);
                    }

                    @Override
                    protected void hookOnNext(RingMessage m) {
                        if (taken.incrementAndGet() == count) {
                            say("took " + count);
                        }
                    }
                });
                drain(stdin);
                break;
            }
            case "idle": {
                ring.receive().doOnSubscribe(s -> say("ready"))
                        .subscribe(m -> say("got " + System.nanoTime() + " " + ByteBuffer.wrap(m.payload()).getLong()));
                drain(stdin);
                break;
            }
            default:
                throw new IllegalArgumentException("unknown mode " + args[0]);
        }
        ring.dispose();
        System.exit(0);
    }

    /** Blocks the main thread, holding no CPU, until stdin ends. */
    private static void drain(BufferedReader stdin) throws IOException {
        while (stdin.readLine() != null) {
            // nothing is expected on stdin: it only ends
        }
    }
}
