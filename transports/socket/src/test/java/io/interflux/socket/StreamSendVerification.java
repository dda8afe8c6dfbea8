package io.interflux.socket;

import io.interflux.testkit.tck.IpcSubscriberVerification;
import org.reactivestreams.Publisher;
import org.testng.SkipException;
import org.testng.annotations.Test;
import reactor.core.publisher.Mono;

/**
 * The Reactive Streams TCK on the subscriber {@link StreamConnection#send(Publisher)} puts on its
 * publisher, for {@link UnixStreamSendTckTest} and {@link TcpStreamSendTckTest}: Reactor's
 * {@code map} to frames in front of reactor-netty's send, as a user's publisher meets it. The
 * server reads what the client sends, and the TCK plays the publisher.
 *
 * <p>Skipped: the {@code untested_} rules, which a black-box verification cannot check (by the
 * TCK), and rule 2.13's null checks (below).
 */
abstract class StreamSendVerification extends IpcSubscriberVerification<String> {

    abstract StreamServerSpec<String> server();

    abstract StreamClientSpec<String> client(StreamServer<String> server);

    @Override
    protected Mono<Void> send(Publisher<String> values) {
        StreamServer<String> server = opened(server().handle(c -> c.receive().then()).bindNow(StreamReceiveVerification.OPEN));
        StreamConnection<String> client = opened(client(server).connectNow(StreamReceiveVerification.OPEN));
        return client.send(values);
    }

    @Override
    public String createElement(int element) {
        return "element " + element;
    }

    /**
     * Rule 2.13, {@code onNext(null)}: the subscriber a user's publisher meets is Reactor's
     * {@code map} to frames, which turns the {@link NullPointerException} of its function into
     * {@code onError} downstream instead of throwing it (Reactor treats a null element as the
     * publisher's bug). Reported.
     */
    @Override
    @Test
    public void required_spec213_blackbox_onNext_mustThrowNullPointerExceptionWhenParametersAreNull() {
        throw new SkipException("known violation of rule 2.13: StreamConnection.send puts Reactor's map in front of"
                + " reactor-netty's send, and map answers onNext(null) with onError instead of throwing (reported)");
    }

    /**
     * Rule 2.13, {@code onError(null)}: Reactor's {@code map} passes the null on, and reactor-netty's
     * send takes it without a check. Reported.
     */
    @Override
    @Test
    public void required_spec213_blackbox_onError_mustThrowNullPointerExceptionWhenParametersAreNull() {
        throw new SkipException("known violation of rule 2.13: StreamConnection.send's map and reactor-netty's send"
                + " behind it take onError(null) without throwing NullPointerException (reported)");
    }
}
