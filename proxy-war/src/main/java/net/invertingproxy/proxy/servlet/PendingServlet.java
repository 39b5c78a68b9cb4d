package net.invertingproxy.proxy.servlet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import net.invertingproxy.protocol.PendingRequests;
import net.invertingproxy.protocol.RequestIds;
import net.invertingproxy.protocol.WireHeaders;
import net.invertingproxy.proxy.broker.AgentSighting;
import net.invertingproxy.proxy.broker.Broker;
import net.invertingproxy.proxy.broker.Exchange;
import net.invertingproxy.proxy.broker.PollAnswer;
import net.invertingproxy.proxy.broker.WaitingPoll;
import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;
import net.invertingproxy.proxy.metrics.ProxyMeters;

/**
 * {@code GET agent/pending}: the agent's long poll. It is held, without a thread, until requests
 * wait for the agent's backend or the hold time ends, then answered with a JSON array of IDs.
 */
public final class PendingServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private transient Broker<ParkedClient> broker;
    private transient ProxyMeters meters;

    private transient ProxyComponents components;

    @Override
    public void init() {
        components = ProxyComponents.of(getServletContext());
        broker = components.broker();
        meters = components.meters();
    }

    @Override
    protected void doGet(HttpServletRequest agentRequest, HttpServletResponse agentResponse) {
        String backendId;
        try {
            backendId = AgentCallHeaders.authorizedBackendId(agentRequest, components);
        } catch (FailureException e) {
            ErrorResponses.send(agentResponse, e.status(), e.getMessage());
            return;
        }
        String agentKey = agentKey(agentRequest);
        settle(agentKey, InlineRequests.taken(agentRequest), agentRequest.getRemoteAddr());
        AsyncContext async = agentRequest.startAsync();
        async.setTimeout(0);
        boolean inline = asksInline(agentRequest, agentKey);
        PollReply reply = new PollReply(async, answerFormat(inline, backendId, agentKey),
                ids -> meters.pollAnswered(backendId, ids.size()),
                // Requests beyond what an inline answer carries would have to be fetched one call
                // each: they wait for the agent's next poll, which follows at once, and go inline too.
                inline ? InlineRequests.MAX_INLINE_PER_ANSWER : Integer.MAX_VALUE);
        try {
            WaitingPoll poll = broker.poll(backendId, new AgentSighting(agentKey, agentRequest.getRemoteAddr(),
                    agentRequest.getHeader("User-Agent"), null), reply);
            async.addListener(new AgentGoneListener(poll));
        } catch (FailureException e) {
            // Only served backends become a tag: a caller must not be able to mint new meters.
            meters.pollRefused(broker.backendIds().contains(backendId) ? backendId : "unknown");
            ErrorResponses.send(agentResponse, e.status(), e.getMessage());
            async.complete();
        }
    }

    /**
     * {@code DELETE agent/pending}: the agent named by its ID header stops polling, so its polls
     * still held are answered at once (a container need not notice their connections closed).
     * Only an agent's own ID, which no other caller ever sees, dismisses its polls.
     */
    @Override
    protected void doDelete(HttpServletRequest agentRequest, HttpServletResponse agentResponse) {
        try {
            String backendId = AgentCallHeaders.authorizedBackendId(agentRequest, components);
            String agentId = agentRequest.getHeader(WireHeaders.AGENT_ID);
            if (!RequestIds.isWellFormed(agentId)) {
                throw new FailureException(Failure.BAD_AGENT_CALL, "missing or malformed header " + WireHeaders.AGENT_ID);
            }
            // Requests of its last answer it took on are finished by it; the rest go to others.
            settle("id:" + agentId, InlineRequests.taken(agentRequest), agentRequest.getRemoteAddr());
            broker.signOff(backendId, "id:" + agentId);
            if (components.cluster() != null) {
                // Its polls may be held by other instances too, which would hand them work meanwhile.
                components.cluster().signOff(backendId, "id:" + agentId);
            }
            agentResponse.setStatus(HttpServletResponse.SC_NO_CONTENT);
        } catch (FailureException e) {
            ErrorResponses.send(agentResponse, e.status(), e.getMessage());
        }
    }

    // The answer that carried them may have come from another instance, which holds their exchanges.
    private void settle(String agentKey, java.util.Set<String> taken, String agentAddress) {
        java.util.Set<String> elsewhere = new java.util.HashSet<>(taken);
        for (Exchange<ParkedClient> delivered : broker.settleInline(agentKey, taken)) {
            delivered.client().inlineConfirmed(agentAddress);
            elsewhere.remove(delivered.id());
        }
        if (components.cluster() != null && !elsewhere.isEmpty()) {
            components.cluster().settle(agentKey, elsewhere);
        }
    }

    // Inline answers need the agent's own ID: its next poll confirms what they carried, and an
    // address may be shared by several agents, one of which may be dead.
    private static boolean asksInline(HttpServletRequest agentRequest, String agentKey) {
        return WireHeaders.INLINE_POLL_MODE.equals(agentRequest.getHeader(WireHeaders.POLL_MODE))
                && agentKey.startsWith("id:");
    }

    private Function<List<String>, String> answerFormat(boolean inline, String backendId, String agentKey) {
        if (!inline) {
            return ids -> PendingRequests.ofIds(ids).toJson();
        }
        return new InlineRequests(broker, backendId, agentKey)::answer;
    }

    // Our agent names itself; others (the Go agent) are told apart by address only.
    private static String agentKey(HttpServletRequest agentRequest) {
        return AgentCallHeaders.agentKey(agentRequest);
    }

    /** Writes the poll's answer and ends the agent's call. */
    private static final class PollReply implements PollAnswer {
        private static final System.Logger LOG = System.getLogger(PendingServlet.class.getName());

        private final AsyncContext async;
        private final Function<List<String>, String> format;
        private final Consumer<List<String>> onAnswer;
        private final int maxRequests;

        PollReply(AsyncContext async, Function<List<String>, String> format, Consumer<List<String>> onAnswer,
                  int maxRequests) {
            this.async = async;
            this.format = format;
            this.onAnswer = onAnswer;
            this.maxRequests = maxRequests;
        }

        @Override
        public int maxRequests() {
            return maxRequests;
        }

        @Override
        public void answer(List<String> requestIds) {
            // Whatever fails, the poll is completed: an agent left waiting on it would sit out its
            // whole -proxy-timeout before polling again, and every request meanwhile with it.
            try {
                onAnswer.accept(requestIds);
                byte[] body = format.apply(requestIds).getBytes(StandardCharsets.UTF_8);
                HttpServletResponse response = (HttpServletResponse) async.getResponse();
                response.setStatus(HttpServletResponse.SC_OK);
                response.setContentType("application/json");
                response.setContentLength(body.length);
                response.getOutputStream().write(body);
            } catch (IOException | IllegalStateException e) {
                // The agent is gone; IDs it never saw are handed out again after the claim timeout.
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "answering a poll failed; its requests are handed out"
                        + " again after the claim timeout", e);
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
