/** The wire format shared by proxy and agent: header names, request IDs and the HTTP/1.1 messages carried in agent calls. */
package net.invertingproxy.protocol;
