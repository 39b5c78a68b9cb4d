/**
 * Registers, in AWS Cloud Map, an instance for every backend with a connected agent. Only
 * {@link net.invertingproxy.proxy.discovery.CloudMapDirectory} touches the AWS SDK, and it is loaded
 * only when {@code cloudmap-service-id} is set.
 */
package net.invertingproxy.proxy.discovery;
