package net.invertingproxy.proxy.servlet;

import java.util.concurrent.CountDownLatch;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import net.invertingproxy.protocol.ResponseHead;

/**
 * A WebSocket handshake held on the container thread that took it until the backend's answer is
 * known. The servlet upgrade must be asked for by that thread, within its service call (Tomcat
 * switches a connection only at the end of the first dispatch, never after an asynchronous one),
 * so this is the one kind of request that keeps a thread while it waits.
 */
final class HeldCycle implements ClientCycle {
    /** How the wait ended. */
    enum End {
        /** The response was sent in full (an error, or the backend's refusal). */
        COMPLETED,
        /** The response was cut short: the connection must be broken. */
        ABORTED,
        /** The backend switched protocols: the client's connection is to be upgraded. */
        SWITCHED
    }

    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private final CountDownLatch decided = new CountDownLatch(1);
    private End end;
    private String abortReason;
    private ResponseHead switchingHead;

    HeldCycle(HttpServletRequest request, HttpServletResponse response) {
        this.request = request;
        this.response = response;
    }

    @Override
    public HttpServletRequest request() {
        return request;
    }

    @Override
    public HttpServletResponse response() {
        return response;
    }

    @Override
    public void complete() {
        decide(End.COMPLETED, null, null);
    }

    @Override
    public void abort(String reason) {
        decide(End.ABORTED, reason, null);
    }

    /** The backend answered {@code 101} with this head. */
    void switchProtocols(ResponseHead head) {
        decide(End.SWITCHED, null, head);
    }

    /** Waits until one of the three ends happened and returns it. */
    End await() throws InterruptedException {
        decided.await();
        synchronized (this) {
            return end;
        }
    }

    synchronized String abortReason() {
        return abortReason;
    }

    synchronized ResponseHead switchingHead() {
        return switchingHead;
    }

    private void decide(End how, String reason, ResponseHead head) {
        synchronized (this) {
            if (end != null) {
                return;
            }
            end = how;
            abortReason = reason;
            switchingHead = head;
        }
        decided.countDown();
    }
}
