/**
 * The request inspector: the recent exchanges of each backend, heads redacted and bodies cut to a
 * prefix, kept in bounded memory for the dashboard to show and replay.
 */
package net.invertingproxy.proxy.inspect;
