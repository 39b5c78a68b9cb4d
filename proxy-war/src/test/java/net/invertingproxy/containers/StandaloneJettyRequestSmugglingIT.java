package net.invertingproxy.containers;

import java.util.Map;

/** The request smuggling table against the WAR run on its own ({@code java -jar inverting-proxy.war}, embedded Jetty). */
class StandaloneJettyRequestSmugglingIT extends RequestSmugglingSuite {
    @Override
    protected ProxyUnderTest startProxy(Map<String, String> settings) throws Exception {
        return StandaloneWar.start(settings);
    }
}
