package io.interflux.benchmarks.kill;

import io.interflux.Codec;
import io.interflux.fifo.Fifo;
import io.interflux.fifo.FifoReader;

import java.nio.file.Path;

/**
 * A process killed while it writes lines into a FIFO that this JVM reads (created here, mode 0600,
 * removed on dispose): the FIFO's buffer is delivered, then the reader completes, as {@code cat}'s
 * would once its last writer is gone.
 */
final class FifoKill extends ProducerScenario {

    @Override
    Side open(Kill kill) {
        Side side = new Side() { };
        Path path = kill.file("fifo");
        FifoReader<String> reader = kill.track(Fifo.at(path).framing(PipeKill.LINES).codec(Codec.utf8()).openReaderNow(START));
        side.victim = kill.victim(kill.victims.python(kill, path.toString()));
        side.values = reader.receive();
        return side;
    }
}
