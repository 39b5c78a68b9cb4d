package net.invertingproxy.agent.login;

import java.io.IOException;

import net.invertingproxy.protocol.AgentLogin;

/** Presents a login to the proxy ({@code POST agent/login}) and returns its answer. */
@FunctionalInterface
public interface ProxyLogin {
    /** The proxy's answer to {@code login}; a refusal or failure is an {@link IOException}. */
    AgentLogin.Answer login(AgentLogin.Request login) throws IOException;
}
