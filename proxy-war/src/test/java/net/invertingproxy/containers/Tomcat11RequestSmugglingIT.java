package net.invertingproxy.containers;

import java.util.Map;

/** The request smuggling table against a real Tomcat 11. */
class Tomcat11RequestSmugglingIT extends RequestSmugglingSuite {
    @Override
    protected ProxyUnderTest startProxy(Map<String, String> settings) throws Exception {
        return TomcatContainer.start("tomcat11.home", settings);
    }
}
