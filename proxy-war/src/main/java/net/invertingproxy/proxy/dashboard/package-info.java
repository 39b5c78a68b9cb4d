/**
 * The operator's dashboard: a page shipped in the WAR, the live figures it shows for every
 * backend, and the replay of an inspected request through the tunnel.
 */
package net.invertingproxy.proxy.dashboard;
