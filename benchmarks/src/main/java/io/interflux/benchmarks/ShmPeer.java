package io.interflux.benchmarks;

import io.interflux.Codec;
import io.interflux.Creation;
import io.interflux.shm.SharedRing;
import reactor.core.publisher.Flux;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The child JVM of the shm benchmarks: the other process of every ring. It attaches to the rings
 * and maps the Agrona baseline files that {@link ShmBenchmark} created under one base name, says
 * {@code ready} on stdout, then runs one command per line of stdin and answers {@code ok} (or
 * {@code error: ...}) when it is done:
 *
 * <pre>
 *  send ROLE N SIZE        Interflux: ring.send(Flux of N byte[SIZE], Codec.bytes()) into ROLE (one, many)
 *  spin-send ROLE N SIZE   Agrona: N records of SIZE bytes into ROLE's ring, spinning while it is full
 *  echo N                  Interflux: pong.send(ping.receive(Codec.bytes()).take(N), Codec.bytes())
 *  spin-echo N             Agrona: N records from the ping ring, each written back into the pong ring
 *  hold receive|none MS    idles MS milliseconds, with a receive subscribed on the ping ring or without
 * </pre>
 *
 * It ends at the end of stdin, and when its parent dies (halting a spin loop if need be).
 *
 * <pre>{@code
 * java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp interflux-benchmarks.jar \
 *     io.interflux.benchmarks.ShmPeer ifx-bench-shm-42
 * }</pre>
 */
public final class ShmPeer {

    /** The rings of a run, by role: throughput with one and with many producers, and the two of a ping-pong. */
    static final List<String> ROLES = List.of("one", "many", "ping", "pong");
    static final Duration LIMIT = Duration.ofSeconds(60);
    static final Duration OPEN_LIMIT = Duration.ofSeconds(10);

    private ShmPeer() {
    }

    /** The POSIX name of the Interflux ring of {@code role}: {@code /ifx-bench-shm-42-one}. */
    static String ringName(String base, String role) {
        return "/" + base + "-" + role;
    }

    /** The file of the Agrona ring of {@code role}: {@code /dev/shm/ifx-bench-shm-42-agrona-one}. */
    static Path spinFile(String base, String role) {
        return Path.of("/dev/shm", base + "-agrona-" + role);
    }

    /** Whether the ring of {@code role} takes many producers (the rest take one, as OneToOne does). */
    static boolean many(String role) {
        return role.equals("many");
    }

    /** {@code ring.receive(Codec.bytes())}: the path a user writes first. */
    static Flux<byte[]> receive(SharedRing ring) {
        return ring.receive(Codec.bytes());
    }

    public static void main(String[] args) throws Exception {
        String base = args[0];
        ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> Runtime.getRuntime().halt(3)));
        Map<String, SharedRing> rings = new LinkedHashMap<>();
        Map<String, AgronaSpinRing> spins = new LinkedHashMap<>();
        try {
            for (String role : ROLES) {
                rings.put(role, SharedRing.named(ringName(base, role)).creation(Creation.OPEN_EXISTING).openNow(OPEN_LIMIT));
                spins.put(role, AgronaSpinRing.open(spinFile(base, role), many(role)));
            }
            System.out.println("ready");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                try {
                    run(line.trim().split(" "), rings, spins);
                    System.out.println("ok");
                } catch (Exception | Error e) {
                    e.printStackTrace();
                    System.out.println("error: " + e);
                }
            }
        } finally {
            rings.values().forEach(SharedRing::dispose);
        }
    }

    private static void run(String[] cmd, Map<String, SharedRing> rings, Map<String, AgronaSpinRing> spins)
            throws InterruptedException {
        switch (cmd[0]) {
            case "send": {
                byte[] payload = ShmBenchmark.payload(Integer.parseInt(cmd[3]));
                rings.get(cmd[1]).send(Flux.range(0, Integer.parseInt(cmd[2])).map(i -> payload), Codec.bytes())
                        .block(LIMIT);
                break;
            }
            case "spin-send":
                spins.get(cmd[1]).send(ShmBenchmark.payload(Integer.parseInt(cmd[3])), Long.parseLong(cmd[2]));
                break;
            case "echo":
                rings.get("pong").send(receive(rings.get("ping")).take(Long.parseLong(cmd[1])), Codec.bytes())
                        .block(LIMIT);
                break;
            case "hold": {
                // idle for MILLIS, with a receive subscribed on the ping ring ("hold receive") or without
                reactor.core.Disposable receiving = cmd[1].equals("receive")
                        ? receive(rings.get("ping")).subscribe() : null;
                System.out.println("holding");
                Thread.sleep(Long.parseLong(cmd[2]));
                if (receiving != null) {
                    receiving.dispose();
                }
                break;
            }
            case "spin-echo":
                spins.get("ping").echo(Long.parseLong(cmd[1]), spins.get("pong"));
                break;
            default:
                throw new IllegalArgumentException("unknown command " + String.join(" ", cmd));
        }
    }
}
