package net.invertingproxy.proxy.discovery;

import java.util.Map;

/** Where backend instances are published: Cloud Map in production, a fake in tests. */
public interface InstanceDirectory extends AutoCloseable {
    /** Registers the instance, or replaces the attributes of the one registered under that ID. */
    void register(String instanceId, Map<String, String> attributes) throws DirectoryException;

    /** Removes the instance; one that does not exist counts as removed. */
    void deregister(String instanceId) throws DirectoryException;

    /** Releases the directory's connections. */
    @Override
    void close();
}
