package net.invertingproxy.proxy.servlet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import net.invertingproxy.protocol.PendingRequests;
import net.invertingproxy.proxy.broker.Broker;
import net.invertingproxy.proxy.broker.PollAnswer;
import net.invertingproxy.proxy.broker.WaitingPoll;
import net.invertingproxy.proxy.failure.FailureException;

/**
 * {@code GET agent/pending}: the agent's long poll. It is held, without a thread, until requests
 * wait for the agent's backend or the hold time ends, then answered with a JSON array of IDs.
 */
public final class PendingServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private transient Broker<ParkedClient> broker;

    @Override
    public void init() {
        broker = ProxyComponents.of(getServletContext()).broker();
    }

    @Override
    protected void doGet(HttpServletRequest agentRequest, HttpServletResponse agentResponse) {
        String backendId;
        try {
            backendId = AgentCallHeaders.backendId(agentRequest);
        } catch (FailureException e) {
            ErrorResponses.send(agentResponse, e.status(), e.getMessage());
            return;
        }
        AsyncContext async = agentRequest.startAsync();
        async.setTimeout(0);
        PollReply reply = new PollReply(async);
        try {
            WaitingPoll poll = broker.poll(backendId, reply);
            async.addListener(new AgentGoneListener(poll));
        } catch (FailureException e) {
            ErrorResponses.send(agentResponse, e.status(), e.getMessage());
            async.complete();
        }
    }

    /** Writes the poll's answer and ends the agent's call. */
    private static final class PollReply implements PollAnswer {
        private final AsyncContext async;

        PollReply(AsyncContext async) {
            this.async = async;
        }

        @Override
        public void answer(List<String> requestIds) {
            HttpServletResponse response = (HttpServletResponse) async.getResponse();
            byte[] body = new PendingRequests(requestIds).toJson().getBytes(StandardCharsets.UTF_8);
            try {
                response.setStatus(HttpServletResponse.SC_OK);
                response.setContentType("application/json");
                response.setContentLength(body.length);
                response.getOutputStream().write(body);
            } catch (IOException | IllegalStateException e) {
                // The agent is gone; IDs it never saw are handed out again after the claim timeout.
            } finally {
                try {
                    async.complete();
                } catch (IllegalStateException e) {
                    // Already completed after a connection error.
                }
            }
        }
    }

    /** Stops handing work to a poll whose agent disconnected. */
    private static final class AgentGoneListener implements AsyncListener {
        private final WaitingPoll poll;

        AgentGoneListener(WaitingPoll poll) {
            this.poll = poll;
        }

        @Override
        public void onError(AsyncEvent event) {
            poll.cancel();
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            poll.cancel();
        }

        @Override
        public void onComplete(AsyncEvent event) {
            poll.cancel();
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // A poll has a single async cycle.
        }
    }
}
