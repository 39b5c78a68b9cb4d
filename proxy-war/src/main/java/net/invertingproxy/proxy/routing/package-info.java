/** Which backend a client request goes to: host match first, then the longest path prefix. */
package net.invertingproxy.proxy.routing;
