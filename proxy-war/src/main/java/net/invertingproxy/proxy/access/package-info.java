/**
 * End users' access to a backend: who the client is (address behind trusted proxies, API key,
 * HTTP Basic, the ALB's signed OIDC header) and whether the backend's policy lets them in.
 */
package net.invertingproxy.proxy.access;
