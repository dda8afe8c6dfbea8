package io.interflux.it.mqueue;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.it.support.CProgram;
import io.interflux.testkit.ChildJvm;
import io.interflux.it.support.OsResources;
import io.interflux.mqueue.SysVMessage;
import io.interflux.mqueue.SysVQueue;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.Stdio;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** System V queues between this JVM and real processes: ipcs, child JVMs and a C peer. */
@Timeout(90)
@DisplayName("A System V queue shared with other processes")
class SysVQueueIT {

    static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final OsResources os = new OsResources();

    SysVQueue create() {
        SysVQueue q = SysVQueue.privateQueue().openNow(WAIT);
        os.onRelease("IPC_RMID " + q.id(), () -> QueueChecks.sysvRemove(q.id()));
        return os.track(q);
    }

    /** The {@code ipcs -q} line of queue {@code id}, if listed. */
    static Optional<String> ipcsLine(int id) {
        ChildProcess ipcs = ChildProcess.command("ipcs", "-q").stdin(Stdio.discard()).stderr(Stdio.discard())
                .start().block(WAIT);
        try {
            List<String> lines = ipcs.stdout(Framing.lines(), Codec.utf8()).collectList().block(WAIT);
            assertThat(ipcs.exit().block(WAIT)).isZero();
            return lines.stream().filter(l -> {
                String[] f = l.trim().split("\\s+");
                return f.length >= 4 && f[1].equals(Integer.toString(id));
            }).findFirst();
        } finally {
            ipcs.dispose();
        }
    }

    @Test
    @DisplayName("is listed by ipcs -q with perms 600 while open, and gone after dispose")
    void ipcsShowsMode() {
        SysVQueue q = create();
        Optional<String> line = ipcsLine(q.id());
        assertThat(line).as("ipcs -q line of msqid %d", q.id()).isPresent();
        assertThat(line.get().trim().split("\\s+")[3]).isEqualTo("600");
        q.dispose();
        q.onDispose().block(WAIT);
        assertThat(ipcsLine(q.id())).as("after dispose").isEmpty();
        assertThat(QueueChecks.sysvExists(q.id())).isFalse();
    }

    @Test
    @DisplayName("feeds two consumer processes, each taking only its own type, in order")
    void typedConsumers() {
        SysVQueue q = create();
        String id = Integer.toString(q.id());
        ChildProcess a = os.track(ChildJvm.of(QueuePeer.class, "sysv-consume", id, "1", "300").as(ChildProcess::command).start().block(WAIT));
        ChildProcess b = os.track(ChildJvm.of(QueuePeer.class, "sysv-consume", id, "2", "300").as(ChildProcess::command).start().block(WAIT));
        Flux<SysVMessage> mixed = Flux.range(0, 600)
                .map(i -> SysVMessage.of((i % 2 == 0 ? "a" : "b") + i / 2, Codec.utf8(), i % 2 + 1));
        Mono<List<String>> outA = a.stdout(Framing.lines(), Codec.utf8()).collectList();
        Mono<List<String>> outB = b.stdout(Framing.lines(), Codec.utf8()).collectList();
        List<List<String>> outs = Mono.zip(outA, outB, q.send(mixed).thenReturn(true))
                .map(t -> List.of(t.getT1(), t.getT2())).block(WAIT);
        assertThat(outs.get(0)).containsExactlyElementsOf(expected("ready", 1, "a"));
        assertThat(outs.get(1)).containsExactlyElementsOf(expected("ready", 2, "b"));
        assertThat(a.exit().block(WAIT)).isZero();
        assertThat(b.exit().block(WAIT)).isZero();
        assertThat(q.currentMessages()).isZero();
    }

    static List<String> expected(String first, int type, String prefix) {
        List<String> l = IntStream.range(0, 300).mapToObj(i -> type + ":" + prefix + i).collect(Collectors.toList());
        l.add(0, first);
        return l;
    }

    @Test
    @DisplayName("exchanges typed messages with a C peer on the same queue")
    void cPeer(@TempDir Path dir) throws Exception {
        Path exe = CProgram.compile(dir, "queue_peer", QueueChecks.cPeerSource());
        SysVQueue q = create();
        ChildProcess peer = os.track(ChildProcess.command(exe.toString(), "sysv", Integer.toString(q.id()), "5")
                .start().block(WAIT));
        List<String> fromC = q.receive(1, Codec.utf8()).take(5).collectList().block(WAIT);
        assertThat(fromC).containsExactly("c0", "c1", "c2", "c3", "c4");
        StepVerifier.create(q.send(Flux.range(0, 5).map(i -> "j" + i), Codec.utf8(), 2)).verifyComplete();
        List<String> printed = peer.stdout(Framing.lines(), Codec.utf8()).collectList().block(WAIT);
        assertThat(printed).containsExactly("j0 2", "j1 2", "j2 2", "j3 2", "j4 2");
        assertThat(peer.exit().block(WAIT)).isZero();
    }
}
