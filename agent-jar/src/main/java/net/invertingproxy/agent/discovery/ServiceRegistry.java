package net.invertingproxy.agent.discovery;

import java.util.Map;

/** The Cloud Map service the agent registers in: the real one, or a fake in tests. */
interface ServiceRegistry extends AutoCloseable {
    /** Registers the instance (or replaces its attributes); returns the ID of Cloud Map's operation, or null without one. */
    String register(String instanceId, Map<String, String> attributes) throws RegistryException;

    /** Where the operation a call started stands. */
    OperationState operation(String operationId) throws RegistryException;

    /** Removes the instance; one already gone counts as removed. */
    void deregister(String instanceId) throws RegistryException;

    @Override
    void close();
}
