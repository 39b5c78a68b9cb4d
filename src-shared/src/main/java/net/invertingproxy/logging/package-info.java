/** Log output of the proxy and the agent: secrets redacted from every line, whichever library logged it. */
package net.invertingproxy.logging;
