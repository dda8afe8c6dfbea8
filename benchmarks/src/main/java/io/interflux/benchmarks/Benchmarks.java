package io.interflux.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the cross-process benchmarks named on the command line (all but {@code scale} when none),
 * prints a table and writes {@code benchmarks/target/results.jsonl} afresh, one JSON object per line.
 *
 * <pre>{@code
 * mvn -q -pl benchmarks -am package -DskipTests && java -jar benchmarks/target/interflux-benchmarks.jar pipe
 * }</pre>
 *
 * {@code fuzz} runs the long form of the fuzz suites instead ({@link io.interflux.benchmarks.fuzz.Fuzz}),
 * {@code kill} the long form of the kill campaign ({@link io.interflux.benchmarks.kill.KillCampaign}).
 *
 * <p>{@code scale} ({@link ScaleBenchmark}: 1 to 1000 concurrent streams per mechanism, a JVM
 * each, some minutes) runs only when named, as do {@code scale-pipe}, {@code scale-fifo},
 * {@code scale-posix-mq} and {@code scale-unix}, one mechanism each.
 *
 * <p>Options: {@code --rounds N} (default 5), {@code --seconds S} per side per round (default 1;
 * {@code scale} scales its phases by it), {@code --streams 1,10,100,1000} (the counts {@code scale}
 * measures), {@code --out FILE}. Exits 0 even when a target is missed: targets are reported, and the
 * report says which were missed.
 *
 * <p>{@code shm} and {@code sync} map shared memory through Agrona, which needs {@code --add-exports
 * java.base/jdk.internal.misc=ALL-UNNAMED}: the jar's manifest carries it ({@code Add-Exports}),
 * so {@code java -jar} needs no flag; a JVM started otherwise ({@code -cp}) without it is told,
 * in one line, the command to use, before anything runs.
 */
public final class Benchmarks {

    /** The export Agrona 2 needs (it uses {@code jdk.internal.misc.Unsafe}), as {@code --add-exports} takes it. */
    static final String AGRONA_EXPORT = "java.base/jdk.internal.misc=ALL-UNNAMED";

    private Benchmarks() {
    }

    static Map<String, MechanismBenchmark> all() {
        Map<String, MechanismBenchmark> all = new LinkedHashMap<>();
        for (MechanismBenchmark b : List.<MechanismBenchmark>of(new PipeBenchmark(), new FifoBenchmark(), new MqueueBenchmark(),
                new ShmBenchmark(), new SyncBenchmark(), new SocketBenchmark(), new RpcBenchmark(), new ScaleBenchmark())) {
            all.put(b.name(), b);
        }
        for (String mechanism : ScaleBenchmark.MECHANISMS) {
            MechanismBenchmark one = new ScaleBenchmark(List.of(mechanism));
            all.put(one.name(), one);
        }
        return all;
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("fuzz")) {
            io.interflux.benchmarks.fuzz.Fuzz.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0 && args[0].equals("kill")) {
            io.interflux.benchmarks.kill.KillCampaign.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        int rounds = 5;
        double seconds = 1.0;
        List<Integer> streams = BenchmarkConfig.DEFAULT_STREAMS;
        Path out = Path.of("benchmarks/target/results.jsonl");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds":
                    rounds = Integer.parseInt(args[++i]);
                    break;
                case "--seconds":
                    seconds = Double.parseDouble(args[++i]);
                    break;
                case "--out":
                    out = Path.of(args[++i]);
                    break;
                case "--streams":
                    streams = new ArrayList<>();
                    for (String n : args[++i].split(",")) {
                        streams.add(Integer.parseInt(n.trim()));
                    }
                    break;
                default:
                    names.add(args[i]);
            }
        }
        Map<String, MechanismBenchmark> all = all();
        if (names.isEmpty()) {
            // scale takes minutes (a fresh JVM per mechanism, N and implementation): only when named
            all.keySet().stream().filter(name -> !name.startsWith("scale")).forEach(names::add);
        }
        List<String> mapping = new ArrayList<>(names);
        mapping.retainAll(List.of(ShmBenchmark.MECHANISM, SyncBenchmark.MECHANISM));
        if (!mapping.isEmpty() && !agronaExported()) {
            System.err.println(String.join(" and ", mapping) + (mapping.size() == 1 ? " needs" : " need")
                    + " the JVM flag --add-exports " + AGRONA_EXPORT + " (Agrona 2 uses jdk.internal.misc.Unsafe); run: java --add-exports " + AGRONA_EXPORT + " -cp "
                    + BenchmarkConfig.classPath() + " " + Benchmarks.class.getName() + " " + String.join(" ", args));
            System.exit(2);
        }
        BenchmarkConfig config = new BenchmarkConfig(rounds, seconds, streams);
        List<Target> targets = new ArrayList<>();
        for (String name : names) {
            MechanismBenchmark b = all.get(name);
            if (b == null) {
                System.err.println("unknown mechanism " + name + "; known: " + all.keySet());
                System.exit(2);
            }
            System.out.println("running " + name + " (" + rounds + " interleaved rounds)...");
            targets.addAll(b.run(config));
        }
        write(out, targets);
        print(targets);
    }

    /** Whether this JVM exports {@code jdk.internal.misc} to the class path, by flag or by the jar's manifest. */
    static boolean agronaExported() {
        return Object.class.getModule().isExported("jdk.internal.misc", Benchmarks.class.getModule());
    }

    static void write(Path out, List<Target> targets) throws IOException {
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        StringBuilder sb = new StringBuilder();
        for (Target t : targets) {
            sb.append(t.result.toJson()).append('\n');
        }
        Files.writeString(out, sb.toString(), StandardCharsets.UTF_8);
        System.out.println("wrote " + targets.size() + " rows to " + out);
    }

    static void print(List<Target> targets) {
        System.out.printf(Locale.ROOT, "%-10s %-12s %-16s %14s %14s %-26s %8s  %s%n",
                "mechanism", "size", "metric", "interflux", "baseline", "baseline_name", "ratio", "target");
        for (Target t : targets) {
            Result r = t.result;
            System.out.printf(Locale.ROOT, "%-10s %-12s %-16s %14.4g %14.4g %-26s %8.3f  %s%n",
                    r.mechanism, r.size, r.metric, r.interflux, r.baseline, r.baselineName, r.ratio(), t.describe());
        }
    }
}
