package io.interflux.it.pipe;

import io.interflux.FrameTooLargeException;
import io.interflux.Framing;
import io.interflux.it.support.OsResources;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.Stdio;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A Python 3 peer speaking {@link Framing#lengthPrefixed(int)} (a 4-byte big-endian length, then
 * the payload) over its stdin and stdout, written with nothing but the standard library: the
 * framing is a wire format another language can implement from its javadoc.
 */
@Timeout(60)
@DisplayName("A Python 3 peer using length-prefixed frames")
class PythonPeerIT {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final int MAX_FRAME = 1 << 20;

    /** Reverses every frame it reads; with the argument {@code oversize}, sends 3 frames and then a too-large header. */
    static final String PEER = String.join("\n",
            "import struct, sys",
            "inp, out = sys.stdin.buffer, sys.stdout.buffer",
            "def read_exact(n):",
            "    data = inp.read(n)",
            "    if len(data) != n:",
            "        if data: sys.exit('truncated frame: %d of %d bytes' % (len(data), n))",
            "        return None",
            "    return data",
            "if sys.argv[1:] == ['oversize']:",
            "    for p in (b'one', b'two', b'three'):",
            "        out.write(struct.pack('>I', len(p)) + p)",
            "    out.write(struct.pack('>I', " + (MAX_FRAME + 1) + ") + b'x' * 64)",
            "    out.flush()",
            "    sys.exit(0)",
            "while True:",
            "    header = read_exact(4)",
            "    if header is None:",
            "        break",
            "    (n,) = struct.unpack('>I', header)",
            "    payload = read_exact(n) if n else b''",
            "    if payload is None:",
            "        sys.exit('truncated frame: header says %d bytes' % n)",
            "    out.write(header + payload[::-1])",
            "    out.flush()",
            "");

    @RegisterExtension
    final OsResources os = new OsResources();

    @TempDir
    Path dir;

    Path script;

    @BeforeEach
    void writePeer() throws IOException {
        assumeTrue(onPath("python3"), "python3 is not installed");
        script = Files.writeString(dir.resolve("reverse_frames.py"), PEER);
    }

    static boolean onPath(String executable) {
        String path = System.getenv("PATH");
        return path != null && List.of(path.split(File.pathSeparator)).stream()
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, executable)));
    }

    static byte[] payload(int i) {
        byte[] p = new byte[(i * 7919) % 70_000]; // 0 bytes to ~68 KiB: more than one pipe's worth
        for (int k = 0; k < p.length; k++) {
            p[k] = (byte) (i + k);
        }
        return p;
    }

    static byte[] reversed(byte[] p) {
        byte[] r = new byte[p.length];
        for (int k = 0; k < p.length; k++) {
            r[k] = p[p.length - 1 - k];
        }
        return r;
    }

    @Test
    @DisplayName("gets 2,000 frames of 0 to 68 KiB back reversed, in order, while both pipes are flow-controlled")
    void echoesFrames() {
        ChildProcess python = os.track(ChildProcess.command("python3", script.toString()).start().block(WAIT));
        List<byte[]> frames = IntStream.range(0, 2_000).mapToObj(PythonPeerIT::payload).collect(Collectors.toList());

        Mono<Void> sent = python.send(Flux.fromIterable(frames), Framing.lengthPrefixed(MAX_FRAME)).then(python.closeStdin());
        Mono<List<byte[]>> back = python.stdout(Framing.lengthPrefixed(MAX_FRAME)).collectList();
        List<byte[]> got = Mono.zip(sent.thenReturn(true), back, (s, b) -> b).block(WAIT);

        assertThat(got).hasSameSizeAs(frames);
        for (int i = 0; i < frames.size(); i++) {
            assertThat(got.get(i)).as("frame %d", i).isEqualTo(reversed(frames.get(i)));
        }
        StepVerifier.create(python.exit()).expectNext(0).expectComplete().verify(WAIT);
    }

    @Test
    @DisplayName("a frame header above the limit fails the stream with an error naming the limit and the size, after the good frames")
    void oversizeFrame() {
        ChildProcess python = os.track(ChildProcess.command("python3", script.toString(), "oversize")
                .stdin(Stdio.discard()).start().block(WAIT));

        StepVerifier.create(python.stdout(Framing.lengthPrefixed(MAX_FRAME)).map(String::new), 0)
                .thenRequest(3)
                .expectNext("one", "two", "three")
                .thenRequest(1)
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(FrameTooLargeException.class)
                        .hasMessageContaining("limit=" + MAX_FRAME)
                        .hasMessageContaining("size=" + (MAX_FRAME + 1)))
                .verify(WAIT);
        StepVerifier.create(python.exit()).expectNext(0).expectComplete().verify(WAIT);
    }
}
