package net.invertingproxy.agent.http;

import java.io.IOException;

import org.apache.hc.client5.http.async.AsyncExecCallback;
import org.apache.hc.client5.http.async.AsyncExecChain;
import org.apache.hc.client5.http.async.AsyncExecChainHandler;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.concurrent.CancellableDependency;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;

/**
 * The step of an asynchronous client's exec chain just before the transport: it makes a call
 * cancellable through the {@link CancellableDependency} its context carries under
 * {@link #CANCEL}. Cancelling it is HttpClient's hard cancellation: an exchange still under way has
 * its connection closed at once, unread; a finished one is left alone.
 *
 * <p>{@code Future.cancel} cannot do this: in HttpClient 5.6, when the pool hands out a kept-alive
 * connection at once, the connect step records the finished lease as the thing to cancel, over the
 * exchange the transport had recorded, so cancelling the future then leaves the exchange running.
 */
public final class CancellableExec implements AsyncExecChainHandler {
    /** Name of this step in the chain. */
    public static final String NAME = "inverting-proxy-cancellable";
    /** Context attribute holding the call's {@link CancellableDependency}. */
    static final String CANCEL = "inverting-proxy.cancel";

    /** A context whose call is cancelled by cancelling {@code cancel}, from any thread, at any time. */
    public static HttpClientContext contextCancelledBy(CancellableDependency cancel) {
        HttpClientContext context = HttpClientContext.create();
        context.setAttribute(CANCEL, cancel);
        return context;
    }

    @Override
    public void execute(HttpRequest request, AsyncEntityProducer entityProducer, AsyncExecChain.Scope scope,
                        AsyncExecChain chain, AsyncExecCallback callback) throws HttpException, IOException {
        Object cancel = scope.clientContext.getAttribute(CANCEL);
        if (!(cancel instanceof CancellableDependency)) {
            chain.proceed(request, entityProducer, scope, callback);
            return;
        }
        // The transport registers the exchange's cancellation with the scope's dependency: here, ours.
        AsyncExecChain.Scope cancellable = new AsyncExecChain.Scope(scope.exchangeId, scope.route,
                scope.originalRequest, (CancellableDependency) cancel, scope.clientContext, scope.execRuntime,
                scope.scheduler, scope.execCount);
        chain.proceed(request, entityProducer, cancellable, callback);
    }
}
