package io.interflux.benchmarks.kill;

import io.interflux.Codec;
import io.interflux.Creation;
import io.interflux.shm.SharedRing;
import reactor.core.publisher.Mono;

/**
 * A producer JVM killed while it emits records into a shared ring this JVM created and receives
 * from. The ring outlives its producer: after the death this JVM sends the {@link Sequence#END}
 * marker through a producer opening of its own. A producer killed in the middle of a record
 * leaves it claimed and unfinished; the receive skips it about 1.1 s after reaching it (see
 * {@link SharedRing#receive()}): that record, never handed to the ring in full, is the one the
 * documented window allows to lose ({@link SharedRing#skippedRecords()}), and then the victim's
 * count cannot have been raised for it.
 */
final class RingKill extends ProducerScenario {

    /** Victim JVMs started ahead of their kill. */
    static final String MECHANISM = "shm";

    @Override
    public void prepare(Kill kill) {
        kill.victims.startAhead(MECHANISM, kill.index, kill.last, Victims.AHEAD, i -> args(kill, i));
    }

    private static String[] args(Kill kill, int i) {
        return kill.jvmArgs("ring", i, Kill.name(kill.prefix, MECHANISM, i, "ring"));
    }

    @Override
    Side open(Kill kill) {
        String name = kill.name("ring");
        SharedRing ring = SharedRing.named(name).creation(Creation.CREATE_NEW).capacity(KillVictim.RING_CAPACITY)
                .openNow(START);
        Side side = new Side() {
            SharedRing marking;

            @Override
            Mono<Void> marker() {
                marking = kill.track(KillVictim.existingRing(name).openNow(START));
                return marking.send(Mono.just(Sequence.END), Codec.utf8());
            }

            @Override
            long lostByDesign() {
                return ring.skippedRecords();
            }

            @Override
            String windowProblem(long k, long count) {
                long skipped = ring.skippedRecords();
                if (skipped > 1) {
                    return skipped + " records skipped: at most the one unfinished record of the dead producer may be";
                }
                if (skipped == 1 && k != count) {
                    return "a record was skipped, yet " + k + " were delivered and the victim counted " + count
                            + ": the skipped record can only be the one it had not finished";
                }
                return super.windowProblem(k, count);
            }
        };
        kill.track(ring);
        side.victim = kill.victim(kill.victims.takeWarm(MECHANISM, kill.index, i -> args(kill, i)));
        side.values = ring.receive(Codec.utf8());
        return side;
    }
}
