package net.invertingproxy.agent.discovery;

import java.util.LinkedHashMap;
import java.util.Map;

import net.invertingproxy.agent.config.AgentConfig;

/**
 * Starts the agent's own Cloud Map registration when {@code -SDService} is set; with it unset this
 * class never touches {@link CloudMapRegistry}, so no AWS SDK class is loaded.
 */
public final class CloudMapSelfRegistration {
    /** Attribute naming the backend. */
    public static final String BACKEND_ID = "backendId";
    /** Attribute with the proxy the agent polls. */
    public static final String PROXY_URL = "proxyUrl";
    /** Attribute with the agent's own ID, as it sends it to the proxy. */
    public static final String AGENT_ID = "agentId";
    private static final int MAX_INSTANCE_ID = 64;

    private CloudMapSelfRegistration() {
    }

    /** The running registration, or null when {@code -SDService} is not set. */
    public static SelfRegistration startIfEnabled(AgentConfig config, String agentId) {
        if (!config.serviceDiscovery().enabled()) {
            return null;
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put(BACKEND_ID, config.backendId());
        attributes.put(PROXY_URL, config.proxy().toString());
        attributes.put(AGENT_ID, agentId);
        return SelfRegistration.start(() -> CloudMapRegistry.create(config.serviceDiscovery()),
                instanceId(config.backendId(), agentId), attributes);
    }

    // One instance per agent, so that agents of one backend do not remove each other's: the
    // backend's ID in Cloud Map's alphabet, cut so the agent's ID (base64url, already valid) fits.
    static String instanceId(String backendId, String agentId) {
        String backend = backendId.replaceAll("[^0-9a-zA-Z_/:.@-]", "_");
        int room = MAX_INSTANCE_ID - agentId.length() - 1;
        return (backend.length() > room ? backend.substring(0, Math.max(0, room)) : backend) + "-" + agentId;
    }
}
