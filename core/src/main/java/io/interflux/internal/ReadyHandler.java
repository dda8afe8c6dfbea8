package io.interflux.internal;

/** Called on the event-loop thread when a descriptor armed with {@link Registration#arm(int)} is ready. */
@FunctionalInterface
public interface ReadyHandler {

    /** @param events the epoll events that fired ({@link Poller#EPOLLIN}, {@link Poller#EPOLLOUT}, ...) */
    void ready(int events);
}
