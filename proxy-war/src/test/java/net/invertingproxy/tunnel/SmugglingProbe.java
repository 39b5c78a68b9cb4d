package net.invertingproxy.tunnel;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Sends {@link SmugglingCase}s to a proxy on raw sockets, one fresh connection each, and collects
 * what the client and the backend (through a {@link RequestRecorder}) saw.
 */
public final class SmugglingProbe {
    /** The plain request that shows a connection still open after the case's answers is in a clean state. */
    private static final String NEXT_REQUEST = "GET /next HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    private static final String NEXT_TARGET = "/next";
    /** Long enough for any request the case let through to reach the backend. */
    private static final Duration SETTLE = Duration.ofMillis(300);
    private static final int ANSWER_TIMEOUT_MILLIS = 15_000;
    private static final int QUIET_MILLIS = 1_000;
    private static final int REASON_LENGTH = 60;

    private final int port;
    private final RequestRecorder recorder;

    /** A probe of the proxy at {@code 127.0.0.1:port} whose backend records with {@code recorder}. */
    public SmugglingProbe(int port, RequestRecorder recorder) {
        this.port = port;
        this.recorder = recorder;
    }

    /** Runs one case and reports what happened; the caller judges it with {@link SmugglingOutcome#violations()}. */
    public SmugglingOutcome run(SmugglingCase smugglingCase) throws Exception {
        recorder.forget();
        List<Integer> statuses = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        String noAnswer = null;
        String early = "";
        String extra;
        SmugglingOutcome.Afterwards afterwards;
        try (RawClient raw = RawClient.connect(port)) {
            raw.readTimeout(ANSWER_TIMEOUT_MILLIS);
            try {
                raw.send(smugglingCase.bytes());
            } catch (IOException e) {
                // The proxy may refuse an oversized head before it was all sent; its answer is still there to read.
            }
            if (smugglingCase.pauseThenFinish() != null) {
                RawClient.Received meanwhile = raw.readTimeout((int) smugglingCase.pauseThenFinish().toMillis()).readToEnd();
                early = meanwhile.text();
                raw.finishSending();
                raw.readTimeout(ANSWER_TIMEOUT_MILLIS);
            }
            for (int i = 0; i < smugglingCase.answersExpected() && noAnswer == null; i++) {
                try {
                    RawResponse answer = raw.readResponse();
                    statuses.add(answer.status());
                    reasons.add(shortReason(answer));
                } catch (IOException e) {
                    noAnswer = e.toString();
                }
            }
            RawClient.Received rest = raw.readTimeout(QUIET_MILLIS).readToEnd();
            extra = rest.text();
            afterwards = rest.ending() == RawClient.Ending.TIMEOUT && extra.isEmpty() ? nextRequestOn(raw)
                    : SmugglingOutcome.Afterwards.CLOSED;
        }
        Thread.sleep(SETTLE.toMillis());
        List<RequestRecorder.Seen> seen = new ArrayList<>(recorder.seen());
        seen.removeIf(request -> request.target().equals(NEXT_TARGET) && request.complete());
        return new SmugglingOutcome(smugglingCase, statuses, reasons, noAnswer, early, extra, afterwards, seen);
    }

    // The proxy's own answers carry a one-line reason; a container's error page is cut short.
    private static String shortReason(RawResponse answer) {
        String line = answer.bodyText().lines().findFirst().orElse(answer.reason());
        return line.length() <= REASON_LENGTH ? line : line.substring(0, REASON_LENGTH) + "...";
    }

    private static SmugglingOutcome.Afterwards nextRequestOn(RawClient raw) {
        try {
            raw.readTimeout(ANSWER_TIMEOUT_MILLIS).send(NEXT_REQUEST);
            return raw.readResponse().status() == 200 ? SmugglingOutcome.Afterwards.USABLE
                    : SmugglingOutcome.Afterwards.BROKEN;
        } catch (IOException e) {
            return SmugglingOutcome.Afterwards.BROKEN;
        }
    }
}
