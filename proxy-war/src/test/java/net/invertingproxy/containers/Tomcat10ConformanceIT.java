package net.invertingproxy.containers;

import java.util.Map;

/** The conformance subset against the WAR deployed to a real Tomcat 10.1 (version: {@code tomcat10.version} in the parent pom). */
class Tomcat10ConformanceIT extends ContainerConformanceSuite {
    @Override
    protected ProxyUnderTest startProxy(Map<String, String> settings) throws Exception {
        return TomcatContainer.start("tomcat10.home", settings);
    }
}
