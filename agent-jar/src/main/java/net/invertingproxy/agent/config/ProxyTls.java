package net.invertingproxy.agent.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * How the agent checks the certificate of an HTTPS proxy ({@code -proxy-ca-file} and
 * {@code -insecure-skip-tls-verify}): by default against the JDK's trusted authorities and the
 * proxy URL's host name; a CA file adds authorities; skipping verification must be asked for.
 *
 * @param caFile the PEM file whose certificates are trusted besides the JDK's, or {@code null}
 * @param extraAuthorities the certificates read from {@code caFile}, empty without one
 * @param skipVerify whether the proxy's certificate and host name go unchecked
 */
public record ProxyTls(Path caFile, List<X509Certificate> extraAuthorities, boolean skipVerify) {
    /** The default: the JDK's trusted authorities, host name checked. */
    public static final ProxyTls VERIFIED = new ProxyTls(null, List.of(), false);

    /** Checks that the two flags are not combined and that a CA file came with its certificates. */
    public ProxyTls {
        extraAuthorities = List.copyOf(extraAuthorities);
        if (caFile != null && skipVerify) {
            throw new IllegalArgumentException("-proxy-ca-file and -insecure-skip-tls-verify exclude each other:"
                    + " a CA file is only useful while certificates are checked");
        }
        if (caFile != null && extraAuthorities.isEmpty()) {
            throw new IllegalArgumentException("-proxy-ca-file " + caFile + " holds no certificate");
        }
    }

    /** The settings the two flags give; reads {@code caFile} (empty for none) at once, so a bad file is a usage error. */
    public static ProxyTls of(String caFile, boolean skipVerify) {
        if (caFile == null || caFile.isBlank()) {
            return skipVerify ? new ProxyTls(null, List.of(), true) : VERIFIED;
        }
        Path file = Path.of(caFile.trim());
        return new ProxyTls(file, readCertificates(file), skipVerify);
    }

    private static List<X509Certificate> readCertificates(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> certificates = new ArrayList<>();
            // Reads every PEM (or DER) certificate in the file, as a CA bundle holds several.
            CertificateFactory.getInstance("X.509").generateCertificates(in)
                    .forEach(c -> certificates.add((X509Certificate) c));
            return certificates;
        } catch (IOException e) {
            throw new IllegalArgumentException("-proxy-ca-file " + file + " cannot be read: " + e.getMessage());
        } catch (CertificateException e) {
            throw new IllegalArgumentException("-proxy-ca-file " + file + " holds no readable PEM certificate: "
                    + e.getMessage());
        }
    }
}
