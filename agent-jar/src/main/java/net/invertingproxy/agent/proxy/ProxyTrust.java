package net.invertingproxy.agent.proxy;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.logging.Logger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import net.invertingproxy.agent.config.ProxyTls;

import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.client5.http.ssl.HostnameVerificationPolicy;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.client5.http.ssl.TrustAllStrategy;
import org.apache.hc.core5.http.nio.ssl.TlsStrategy;
import org.apache.hc.core5.ssl.SSLContexts;

/**
 * The TLS checks of every call to an https proxy, as {@link ProxyTls} sets them: the JDK's trusted
 * authorities plus those of {@code -proxy-ca-file}, and the host name checked against the
 * certificate (RFC 2818 section 3.1), unless {@code -insecure-skip-tls-verify} turns both off.
 */
final class ProxyTrust {
    private static final Logger LOG = Logger.getLogger(ProxyTrust.class.getName());
    private final SSLContext context;
    private final boolean skipVerify;

    ProxyTrust(ProxyTls tls) {
        this.skipVerify = tls.skipVerify();
        this.context = skipVerify ? trustingAnything() : trusting(tls.extraAuthorities());
    }

    /**
     * Warns, once at start, of a transport that lets others read or pose: unchecked certificates,
     * or a credential sent in clear text to a proxy beyond this machine.
     */
    static void warnIfUnsafe(URI proxy, ProxyTls tls, boolean sendsSecrets) {
        boolean https = "https".equalsIgnoreCase(proxy.getScheme());
        if (https && tls.skipVerify()) {
            LOG.warning("-insecure-skip-tls-verify is set: the certificate of " + proxy + " is NOT checked, so anyone"
                    + " on the network path can pose as the proxy, read every request and take the agent's credential");
        } else if (!https && sendsSecrets && !isLoopback(proxy.getHost())) {
            LOG.warning("the proxy " + proxy + " is reached over plain http: the agent's credential and every request"
                    + " cross the network unencrypted; use an https -proxy URL");
        }
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The strategy of the pooled blocking client (polls and request reads). */
    TlsSocketStrategy forBlockingCalls() {
        return builder().buildClassic();
    }

    /** The strategy of the asynchronous client (response posts). */
    TlsStrategy forAsyncCalls() {
        return builder().buildAsync();
    }

    private ClientTlsStrategyBuilder builder() {
        ClientTlsStrategyBuilder builder = ClientTlsStrategyBuilder.create().setSslContext(context);
        if (skipVerify) {
            // JSSE's own endpoint identification would still check the host name: only the client's runs, and accepts all.
            builder.setHostVerificationPolicy(HostnameVerificationPolicy.CLIENT).setHostnameVerifier(NoopHostnameVerifier.INSTANCE);
        }
        return builder;
    }

    private static SSLContext trusting(List<X509Certificate> extraAuthorities) {
        if (extraAuthorities.isEmpty()) {
            return SSLContexts.createDefault();
        }
        try {
            KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
            anchors.load(null, null);
            int alias = 0;
            // The JDK's authorities stay trusted: a CA file adds a private CA, it does not pin one.
            for (X509Certificate authority : jdkAuthorities()) {
                anchors.setCertificateEntry("jdk-" + alias++, authority);
            }
            for (X509Certificate authority : extraAuthorities) {
                anchors.setCertificateEntry("ca-file-" + alias++, authority);
            }
            return SSLContexts.custom().loadTrustMaterial(anchors, null).build();
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot build the TLS trust of the proxy: " + e.getMessage(), e);
        }
    }

    private static X509Certificate[] jdkAuthorities() throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init((KeyStore) null);
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509TrustManager) {
                return ((X509TrustManager) manager).getAcceptedIssuers();
            }
        }
        return new X509Certificate[0];
    }

    private static SSLContext trustingAnything() {
        try {
            return SSLContexts.custom().loadTrustMaterial(TrustAllStrategy.INSTANCE).build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a TLS context: " + e.getMessage(), e);
        }
    }
}
