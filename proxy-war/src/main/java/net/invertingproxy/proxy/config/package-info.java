/** The proxy's settings: one table of names and defaults, read from context parameters, system properties or the environment. */
package net.invertingproxy.proxy.config;
