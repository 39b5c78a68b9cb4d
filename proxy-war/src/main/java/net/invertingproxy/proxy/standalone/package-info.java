/** Runs the proxy WAR on its own: {@code java -jar inverting-proxy.war} unpacks it and serves it on embedded Jetty 12 (ee10). */
package net.invertingproxy.proxy.standalone;
