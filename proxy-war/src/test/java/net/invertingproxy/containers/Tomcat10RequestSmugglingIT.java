package net.invertingproxy.containers;

import java.util.Map;

/** The request smuggling table against a real Tomcat 10.1. */
class Tomcat10RequestSmugglingIT extends RequestSmugglingSuite {
    @Override
    protected ProxyUnderTest startProxy(Map<String, String> settings) throws Exception {
        return TomcatContainer.start("tomcat10.home", settings);
    }
}
