/** The agent's three calls to the proxy: poll for pending requests, read one request, post its response. */
package net.invertingproxy.agent.proxy;
