package net.invertingproxy.proxy.standalone;

import java.io.IOException;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** Answers with the context init parameter named by the {@code name} query parameter, so tests see what the webapp sees. */
public final class InitParameterServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType("text/plain");
        response.getWriter().print(getServletContext().getInitParameter(request.getParameter("name")));
    }
}
