/** Relays a client connection the backend switched to WebSockets, through the two agent calls that carried its handshake. */
package net.invertingproxy.proxy.tunnel;
