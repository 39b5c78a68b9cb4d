package net.invertingproxy.agent.login;

import java.io.IOException;

import net.invertingproxy.protocol.AgentLogin;

/** Signs a new AWS login; implemented with the AWS SDK in {@code agent.aws}, loaded only with {@code -aws-auth}. */
public interface LoginSigner {
    /** A freshly signed login (STS refuses signatures older than about 5 minutes). */
    AgentLogin.Request sign() throws IOException;
}
