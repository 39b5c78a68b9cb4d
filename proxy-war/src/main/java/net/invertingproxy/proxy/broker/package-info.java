/** Parks client exchanges per backend and hands them to polling agents, with bounds and timeouts. */
package net.invertingproxy.proxy.broker;
