package net.invertingproxy.agent.http;

import java.net.URI;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.hc.core5.concurrent.Cancellable;
import org.apache.hc.core5.concurrent.CancellableDependency;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;

/**
 * A classic request that can be aborted from any thread, closing its connection at once (RST), so
 * a half-sent body can never be completed by HttpClient's clean-up: HttpClient always closes a
 * request body stream, which for a chunked body writes the last chunk. Unlike
 * {@code HttpUriRequestBase} it keeps the target exactly as given, with no URI parsing.
 */
public final class AbortableRequest extends BasicClassicHttpRequest implements CancellableDependency {
    private static final long serialVersionUID = 1L;

    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final transient AtomicReference<Cancellable> dependency = new AtomicReference<>();

    /** A request for {@code target} (origin-form, sent byte for byte) on {@code host}. */
    public AbortableRequest(String method, HttpHost host, String target) {
        super(method, host, target);
    }

    /** A request for an absolute URI. */
    public AbortableRequest(String method, URI uri) {
        super(method, uri);
    }

    /** Called by HttpClient with the execution to cancel; an abort that came first cancels it at once. */
    @Override
    public void setDependency(Cancellable cancellable) {
        dependency.set(cancellable);
        if (cancelled.get()) {
            cancelDependency();
        }
    }

    /** Whether {@link #cancel()} was called. */
    @Override
    public boolean isCancelled() {
        return cancelled.get();
    }

    /** Aborts the request: its connection is shut down, whatever it is doing. */
    @Override
    public boolean cancel() {
        boolean first = cancelled.compareAndSet(false, true);
        cancelDependency();
        return first;
    }

    private void cancelDependency() {
        Cancellable current = dependency.getAndSet(null);
        if (current != null) {
            current.cancel();
        }
    }
}
