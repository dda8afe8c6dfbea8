package io.interflux.it.rpc;

import io.interflux.rpc.Payload;
import io.interflux.rpc.RpcCodec;
import io.interflux.rpc.RpcConnection;
import reactor.core.publisher.Mono;

/**
 * What {@link RpcWorker} saw of one call, by the key the call carried, as its route
 * {@code "report"} answers it in JSON: whether the handler was called at all, the demand the
 * handler's publisher received from Interflux's responder, the items it produced, and whether it
 * was cancelled (with the count produced at that moment).
 */
public record StreamReport(boolean opened, long requested, long produced, boolean cancelled, long producedAtCancel) {

    /** The report of a key the worker has not seen. */
    static final StreamReport NONE = new StreamReport(false, 0, 0, false, 0);

    /** The worker's report on {@code key}, asked over {@code worker}. */
    static Mono<StreamReport> of(RpcConnection worker, String key) {
        return worker.requestResponse(RpcWorker.REPORT, Payload.of(key))
                .map(p -> (StreamReport) RpcCodec.json().decode(p.data(), StreamReport.class));
    }
}
