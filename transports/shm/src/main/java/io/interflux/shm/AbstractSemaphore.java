package io.interflux.shm;

import io.interflux.DisposedException;
import io.interflux.IpcResource;
import io.interflux.internal.drain.BackoffReadiness;
import io.interflux.internal.drain.Lifecycle;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * What {@link SharedSemaphore} and {@link PosixSemaphore} share: permits taken without blocking
 * by the subclass's kernel call, waited for through core's drain with a timer backoff, and each
 * permit holding a use of the handle, so that dispose releases the handle only once every permit
 * this process holds is given back.
 */
abstract class AbstractSemaphore implements IpcResource {

    final String description;
    final Lifecycle lifecycle;
    private final Scheduler timer;
    private final long maxDelayNanos;

    AbstractSemaphore(String description, Scheduler timer, Duration maxPollInterval) {
        this.description = description;
        this.lifecycle = new Lifecycle(description, this::release);
        this.timer = timer != null ? timer : Schedulers.parallel();
        this.maxDelayNanos = maxPollInterval.toNanos();
    }

    /**
     * Takes a permit now, without waiting: {@code null} when none is free. A permit returned holds
     * a use of {@link #lifecycle}, dropped by {@link #giveBack(Permit)}.
     */
    abstract Permit tryTake();

    /**
     * Gives {@code permit} back and drops its use of the handle; called once per permit, by
     * {@link Permit#release()}. Never blocks.
     */
    abstract void giveBack(Permit permit);

    /** Closes (and, as the spec says, removes) what the handle holds: once, after the last use. */
    abstract void release();

    /** Takes a use of the handle for one call, or refuses a disposed one. Pair with {@code lifecycle.exit()}. */
    final void enter() {
        if (!lifecycle.enter()) {
            throw new DisposedException(description);
        }
    }

    /**
     * A permit, when subscribed and requested: at once if one is free, else as soon as one is
     * given back, in this process or another. The permit is held until {@link Permit#release()}.
     *
     * <p>Waiting holds no thread. Neither kind of semaphore offers a readiness to wait on, and
     * their waiting calls ({@code semop} without {@code IPC_NOWAIT}, {@code sem_wait}) block; so a
     * waiting acquire tries again without blocking ({@code IPC_NOWAIT}, {@code sem_trywait}) on
     * the spec's timer, at once a few times and then after a pause that doubles up to the spec's
     * {@code maxPollInterval} (1 ms by default). A cancel while waiting takes effect at once and
     * takes no permit; a permit taken just as the cancel came is given back. Waiters are not
     * served in order, and a waiter that meets a lock held for microseconds at a time keeps a core
     * busy with its immediate retries: the price of taking a permit within microseconds of its
     * release without a thread asleep in the kernel. Fails with {@link DisposedException} when this handle is disposed, and
     * with {@link io.interflux.IpcException} when the semaphore is removed under it.
     */
    public Mono<Permit> acquire() {
        return new PermitAcquire(description, lifecycle, this::tryTake,
                () -> new BackoffReadiness(timer, maxDelayNanos));
    }

    /**
     * A permit if one is free right now, without waiting; never blocks.
     *
     * @throws DisposedException when this handle is disposed
     */
    public Optional<Permit> tryAcquire() {
        return Optional.ofNullable(tryTake());
    }

    /**
     * Runs {@code work} holding a permit: subscribes to it once a permit is taken, and gives the
     * permit back when it completes, fails or is cancelled.
     */
    public <T> Flux<T> withPermit(Publisher<T> work) {
        return usingPermit(permit -> work);
    }

    /**
     * {@link #withPermit(Publisher)} for work that needs the permit: to learn whether the previous
     * holder of a lock died ({@link Permit#previousHolderDied()}) and repair first.
     */
    public <T> Flux<T> usingPermit(Function<? super Permit, ? extends Publisher<T>> work) {
        return Flux.usingWhen(acquire(), work, AbstractSemaphore::giveBackLater, (p, e) -> giveBackLater(p),
                AbstractSemaphore::giveBackLater);
    }

    private static Mono<Void> giveBackLater(Permit permit) {
        return Mono.fromRunnable(permit::release);
    }

    /**
     * Ends waiting acquires (they fail with {@link DisposedException}) and, once this process has
     * given back every permit it holds, closes the semaphore and, when this opening created it
     * and the spec says so, removes it. Never blocks.
     */
    @Override
    public void dispose() {
        lifecycle.dispose();
    }

    @Override
    public boolean isDisposed() {
        return lifecycle.isDisposed();
    }

    @Override
    public Mono<Void> onDispose() {
        return lifecycle.onReleased();
    }
}
