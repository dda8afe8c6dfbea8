package io.interflux.rpc.internal;

import io.interflux.rpc.Routes;

import java.time.Duration;

/** What a connection is configured with; the public spec builds one. */
public final class Settings {

    public final Routes routes;
    public final Duration keepAliveInterval;
    public final Duration maxLifetime;
    public final int maxFrameSize;
    /** Payloads taken from one publisher ahead of the transport, at most. */
    public final int window;
    /** Streams a peer may have open against this side at once; more are refused with REJECTED. */
    public final int maxStreams;
    public final String dataMimeType;

    public Settings(Routes routes, Duration keepAliveInterval, Duration maxLifetime, int maxFrameSize, int window,
                    int maxStreams, String dataMimeType) {
        this.routes = routes;
        this.keepAliveInterval = keepAliveInterval;
        this.maxLifetime = maxLifetime;
        this.maxFrameSize = maxFrameSize;
        this.window = window;
        this.maxStreams = maxStreams;
        this.dataMimeType = dataMimeType;
    }
}
