package net.invertingproxy.containers;

import java.util.Map;

/** The conformance subset against the WAR run on its own ({@code java -jar inverting-proxy.war}, embedded Jetty). */
class StandaloneJettyConformanceIT extends ContainerConformanceSuite {
    @Override
    protected ProxyUnderTest startProxy(Map<String, String> settings) throws Exception {
        return StandaloneWar.start(settings);
    }
}
