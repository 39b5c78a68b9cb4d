package net.invertingproxy.proxy.standalone;

import java.util.Map;

import org.eclipse.jetty.ee10.webapp.WebAppContext;

/** A web application whose context init parameters, given on the command line, win over the same names in {@code web.xml}. */
final class SettingsWebAppContext extends WebAppContext {
    private final Map<String, String> initParameters;

    SettingsWebAppContext(Map<String, String> initParameters) {
        this.initParameters = Map.copyOf(initParameters);
    }

    // Jetty applies web.xml's <context-param>s after anything set before start, so a plain
    // setInitParameter would lose to them; this runs after web.xml and before any listener reads them.
    @Override
    protected void startWebapp() throws Exception {
        getInitParams().putAll(initParameters);
        super.startWebapp();
    }
}
