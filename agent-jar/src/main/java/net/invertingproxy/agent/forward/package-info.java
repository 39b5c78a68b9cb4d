/** Forwarding one request: read it from the proxy, send it to the backend, post the backend's answer back, and map every failure to a status. */
package net.invertingproxy.agent.forward;
