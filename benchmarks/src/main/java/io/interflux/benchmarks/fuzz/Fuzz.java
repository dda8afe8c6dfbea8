package io.interflux.benchmarks.fuzz;

import io.interflux.EventLoop;

import java.time.Duration;

/**
 * The long form of the fuzz suites: {@code java -jar benchmarks/target/interflux-benchmarks.jar fuzz
 * [--inputs N] [--seed S] [framing|rpc|ring|datagram ...]}, 1,000,000 inputs per decoder by default and a seed
 * from the clock, printed first so a failure can be replayed ({@code --seed S}; each failure names
 * its input). {@code mvn verify} runs 10,000 of a fixed seed. Exits 1 when anything failed.
 */
public final class Fuzz {

    private Fuzz() {
    }

    public static void main(String[] args) {
        long inputs = 1_000_000;
        long seed = System.currentTimeMillis();
        java.util.List<String> targets = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--inputs":
                    inputs = Long.parseLong(args[++i]);
                    break;
                case "--seed":
                    seed = Long.parseLong(args[++i]);
                    break;
                default:
                    targets.add(args[i]);
            }
        }
        if (targets.isEmpty()) {
            targets.addAll(java.util.List.of("framing", "rpc", "ring", "datagram"));
        }
        System.out.println("fuzz seed " + seed + ", " + inputs + " inputs per target: replay with --seed " + seed);
        EventLoop loop = EventLoop.create("fuzz", 1);
        long failures = 0;
        try {
            for (String target : targets) {
                long started = System.nanoTime();
                FuzzReport report = new FuzzReport(target);
                // in slices, so a long run shows progress
                long slice = Math.max(1, inputs / 20);
                for (long first = 0; first < inputs; first += slice) {
                    long n = Math.min(slice, inputs - first);
                    switch (target) {
                        case "framing":
                            report.add(new FramingFuzz(loop).run(seed, first, n));
                            break;
                        case "rpc":
                            report.add(RpcFrameFuzz.run(seed, first, n));
                            break;
                        case "datagram":
                            report.add(DatagramFuzz.run(seed, first, n));
                            break;
                        case "ring":
                            try (RingFuzz ring = new RingFuzz("/ifx-fuzz-" + ProcessHandle.current().pid(), 4096)) {
                                report.add(ring.run(seed, first, n));
                            }
                            break;
                        default:
                            System.err.println("unknown fuzz target " + target + "; known: framing, rpc, ring, datagram");
                            System.exit(2);
                    }
                    System.out.printf("  %s: %,d of %,d inputs, %d failures%n", target, report.inputs(), inputs, report.failures());
                }
                System.out.printf("%s  in %.1f s%n", report, (System.nanoTime() - started) / 1e9);
                report.failed().forEach(f -> System.out.println("  FAILED " + f));
                failures += report.failures();
            }
        } finally {
            loop.disposeLater().block(Duration.ofSeconds(10));
        }
        System.exit(failures == 0 ? 0 : 1);
    }
}
