package io.interflux.testkit.tck;

import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;

/**
 * A receive that ends only when its endpoint is disposed (a queue, a ring), ended the way a user
 * ends it: by disposing the endpoint once the last element wanted has been taken. The subscriber
 * is handed the stream's own subscription, untouched, and every signal of the stream; only the
 * element count is watched, and the endpoint disposed as the {@code elements}-th element passes,
 * before the subscriber sees it, so that the stream's completion follows it at once.
 */
final class DisposingAfter<T> implements Publisher<T> {

    private final Publisher<T> stream;
    private final long elements;
    private final Disposable endpoint;

    DisposingAfter(Publisher<T> stream, long elements, Disposable endpoint) {
        this.stream = stream;
        this.elements = elements;
        this.endpoint = endpoint;
    }

    @Override
    public void subscribe(Subscriber<? super T> subscriber) {
        if (subscriber == null) {
            stream.subscribe(null); // rule 1.9 is the stream's to keep
            return;
        }
        stream.subscribe(new Counting<>(subscriber, elements, endpoint));
        if (elements == 0) {
            endpoint.dispose();
        }
    }

    @Override
    public String toString() {
        return stream.toString();
    }

    private static final class Counting<T> implements Subscriber<T> {
        private final Subscriber<? super T> actual;
        private final long elements;
        private final Disposable endpoint;
        /** Only the stream's onNext touches it, and rule 1.3 makes those sequential. */
        private long seen;

        Counting(Subscriber<? super T> actual, long elements, Disposable endpoint) {
            this.actual = actual;
            this.elements = elements;
            this.endpoint = endpoint;
        }

        @Override
        public void onSubscribe(Subscription s) {
            actual.onSubscribe(s);
        }

        @Override
        public void onNext(T t) {
            if (++seen == elements) {
                endpoint.dispose();
            }
            actual.onNext(t);
        }

        @Override
        public void onError(Throwable t) {
            actual.onError(t);
        }

        @Override
        public void onComplete() {
            actual.onComplete();
        }
    }
}
