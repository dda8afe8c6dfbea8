package io.interflux.pipe;

import io.interflux.IpcException;
import io.interflux.IpcResource;
import io.interflux.internal.Native;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Children joined like a shell pipeline, {@code ls | grep python}: each stage's stdout is a
 * kernel pipe straight into the next stage's stdin, so no byte passes through this JVM.
 *
 * <p>The first stage's stdin and the last stage's stdout follow their specs (pipes by default)
 * and are reached through {@link #first()} and {@link #last()}; every stage's stderr follows its
 * own spec. Stages in between have their stdin and stdout taken by the pipeline.
 *
 * <pre>{@code
 * ProcessPipeline.start(ChildProcess.command("ls"), ChildProcess.command("grep", "python"))
 *     .flatMapMany(p -> p.last().stdout(Framing.lines(), Codec.utf8()))
 * }</pre>
 */
public final class ProcessPipeline implements IpcResource {

    private final List<ChildProcess> stages;

    private ProcessPipeline(List<ChildProcess> stages) {
        this.stages = List.copyOf(stages);
    }

    /**
     * Starts the stages left to right when subscribed. If one cannot be started, those already
     * running are killed and every pipe is closed before the error is signalled.
     */
    public static Mono<ProcessPipeline> start(ChildProcessSpec... stages) {
        return start(Arrays.asList(stages));
    }

    /** Starts the stages left to right when subscribed; see {@link #start(ChildProcessSpec...)}. */
    public static Mono<ProcessPipeline> start(List<ChildProcessSpec> stages) {
        Objects.requireNonNull(stages, "stages");
        if (stages.size() < 2) {
            throw new IllegalArgumentException("a pipeline needs at least 2 stages but it had " + stages.size());
        }
        List<ChildProcessSpec> specs = List.copyOf(stages);
        return Mono.fromCallable(() -> launch(specs));
    }

    private static ProcessPipeline launch(List<ChildProcessSpec> specs) {
        List<ChildProcess> started = new ArrayList<>();
        Integer nextStdin = null;
        try {
            for (int i = 0; i < specs.size(); i++) {
                ChildProcessSpec spec = specs.get(i);
                boolean lastStage = i == specs.size() - 1;
                int[] link = null;
                if (!lastStage) {
                    link = new int[2];
                    if (Native.libc().pipe2(link, Native.O_CLOEXEC) < 0) {
                        link = null;
                        throw IpcException.fromErrno("pipe2", "pipeline after " + spec.command.get(0), Native.errno());
                    }
                }
                try {
                    started.add(Launcher.launch(spec, nextStdin, link == null ? null : link[1]));
                } finally {
                    if (nextStdin != null) {
                        Native.libc().close(nextStdin);
                        nextStdin = null;
                    }
                    if (link != null) {
                        Native.libc().close(link[1]);
                        nextStdin = link[0];
                    }
                }
            }
            return new ProcessPipeline(started);
        } catch (RuntimeException e) {
            if (nextStdin != null) {
                Native.libc().close(nextStdin);
            }
            started.forEach(ChildProcess::dispose);
            throw e;
        }
    }

    /** The stages, left to right. */
    public List<ChildProcess> processes() {
        return stages;
    }

    /** The first stage: write to its stdin. */
    public ChildProcess first() {
        return stages.get(0);
    }

    /** The last stage: read its stdout. */
    public ChildProcess last() {
        return stages.get(stages.size() - 1);
    }

    /** Every stage's exit status, left to right, once all have exited. */
    public Mono<List<Integer>> exits() {
        return Flux.fromIterable(stages).concatMap(ChildProcess::exit).collectList();
    }

    /** The last stage's exit status once every stage has exited, as a shell reports it. */
    public Mono<Integer> exit() {
        return exits().map(codes -> codes.get(codes.size() - 1));
    }

    /** Disposes every stage: closes their pipes and kills those still running. */
    @Override
    public void dispose() {
        stages.forEach(ChildProcess::dispose);
    }

    @Override
    public boolean isDisposed() {
        return stages.stream().allMatch(ChildProcess::isDisposed);
    }

    @Override
    public Mono<Void> onDispose() {
        return Flux.fromIterable(stages).flatMap(ChildProcess::onDispose).then();
    }
}
