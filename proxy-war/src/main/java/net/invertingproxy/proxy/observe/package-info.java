/** What the proxy tells operators about each exchange: the access log and the listeners that meters hang on. */
package net.invertingproxy.proxy.observe;
