/** Every way an exchange or an agent call can fail, each mapped to its HTTP status in one place. */
package net.invertingproxy.proxy.failure;
