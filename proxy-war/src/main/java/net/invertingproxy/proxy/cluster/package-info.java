/**
 * Several proxy instances behind one load balancer, sharing their state through Redis: here the
 * backend registry, kept in Redis and refreshed on every instance.
 */
package net.invertingproxy.proxy.cluster;
