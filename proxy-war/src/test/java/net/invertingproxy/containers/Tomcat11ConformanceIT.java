package net.invertingproxy.containers;

import java.util.Map;

/** The conformance subset against the WAR deployed to a real Tomcat 11 (version: {@code tomcat11.version} in the parent pom). */
class Tomcat11ConformanceIT extends ContainerConformanceSuite {
    @Override
    protected ProxyUnderTest startProxy(Map<String, String> settings) throws Exception {
        return TomcatContainer.start("tomcat11.home", settings);
    }
}
