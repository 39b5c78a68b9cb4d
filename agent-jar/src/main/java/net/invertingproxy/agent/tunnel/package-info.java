/** WebSocket tunnelling: one upgraded connection relayed, byte for byte, between the proxy's two agent calls and a socket to the backend. */
package net.invertingproxy.agent.tunnel;
