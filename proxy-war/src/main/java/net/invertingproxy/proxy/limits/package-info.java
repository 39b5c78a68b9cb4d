/** Per-backend limits on requests in flight and requests per second, answered 429 beyond them. */
package net.invertingproxy.proxy.limits;
