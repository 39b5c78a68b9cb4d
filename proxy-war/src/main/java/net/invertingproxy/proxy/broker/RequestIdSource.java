package net.invertingproxy.proxy.broker;

import net.invertingproxy.protocol.RequestIds;

/** Makes the IDs of new exchanges and tells this instance's IDs from other instances'. */
public interface RequestIdSource {
    /** A single instance: random IDs, every one its own. */
    RequestIdSource SINGLE = new RequestIdSource() {
        @Override
        public String next() {
            return RequestIds.next();
        }

        @Override
        public boolean isOwn(String requestId) {
            return true;
        }
    };

    /** A new, unguessable ID. */
    String next();

    /** Whether the ID was made by this instance (its exchange, if still there, lives here). */
    boolean isOwn(String requestId);
}
