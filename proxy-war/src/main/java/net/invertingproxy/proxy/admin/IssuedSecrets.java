package net.invertingproxy.proxy.admin;

import java.util.Map;

/**
 * The secrets a create or change issued, shown in that one answer and never again: the agent
 * credential (if one was issued), API keys by user, Basic passwords by user.
 */
record IssuedSecrets(String agentCredential, Map<String, String> apiKeys, Map<String, String> basicPasswords) {
}
