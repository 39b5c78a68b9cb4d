/**
 * The backends this proxy serves: their records (routes, agent credentials, end-user access,
 * limits), validated as immutable values, and the registry that keeps them in a file that survives
 * restarts.
 */
package net.invertingproxy.proxy.registry;
