package io.interflux.examples.webflux.ticker;

import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;

/**
 * {@code GET /ticker}: the stdout of a fixed child process as {@code tick} events, their id the
 * line's number from 0. No endpoint runs a command named by the request: there is no
 * {@code /run?cmd=}.
 */
@RestController
class TickerController {

    private final Ticker ticker;

    TickerController(Ticker ticker) {
        this.ticker = ticker;
    }

    @GetMapping(path = "/ticker", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    Flux<ServerSentEvent<String>> ticks() {
        return ticker.ticks().index()
                .map(line -> ServerSentEvent.builder(line.getT2()).event("tick").id(Long.toString(line.getT1())).build());
    }
}
