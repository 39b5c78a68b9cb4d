/**
 * Secrets the proxy issues (agent credentials, end users' API keys and passwords) and the checks
 * of them: generated at random, shown once, stored only as salted hashes, compared in constant time.
 */
package net.invertingproxy.proxy.credential;
