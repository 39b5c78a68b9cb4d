package net.invertingproxy.proxy.servlet;

import java.util.Collections;

import jakarta.servlet.http.HttpServletRequest;

import net.invertingproxy.proxy.access.ClientRequestView;

/** Builds the servlet-free view of a request that the access checks read. */
final class ClientRequests {
    private ClientRequests() {
    }

    static ClientRequestView view(HttpServletRequest request) {
        return new ClientRequestView(request.getRemoteAddr(), name -> Collections.list(request.getHeaders(name)));
    }
}
