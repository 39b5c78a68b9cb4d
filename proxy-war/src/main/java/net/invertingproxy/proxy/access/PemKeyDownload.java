package net.invertingproxy.proxy.access;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.net.http.HttpResponse.ResponseInfo;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Downloads one EC P-256 public key published as PEM ({@code -----BEGIN PUBLIC KEY-----}, X.509
 * SubjectPublicKeyInfo), as the ALB's key endpoint serves it. Redirects are not followed; the
 * answer must declare a {@code Content-Length} of at most {@value #MAX_PEM_BYTES} bytes.
 */
final class PemKeyDownload {
    /** Largest answer read; a P-256 key in PEM is under 200 bytes. */
    static final int MAX_PEM_BYTES = 16 * 1024;
    private static final String BEGIN = "-----BEGIN PUBLIC KEY-----";
    private static final String END = "-----END PUBLIC KEY-----";
    private static final ECParameterSpec P256 = p256();

    private final HttpClient httpClient;
    private final Duration timeout;

    PemKeyDownload(Duration timeout) {
        this.httpClient = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.timeout = timeout;
    }

    /** The key at {@code uri}; throws with a one-line reason if it cannot be had within twice the timeout. */
    ECPublicKey download(URI uri) throws IOException, InterruptedException, GeneralSecurityException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
        CompletableFuture<HttpResponse<byte[]>> answer = httpClient.sendAsync(request, PemKeyDownload::boundedBody);
        HttpResponse<byte[]> response;
        try {
            // The request timeout ends when the headers arrive; this deadline also bounds a body that trickles.
            response = answer.get(timeout.multipliedBy(2).toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw new IOException("key endpoint too slow");
        } catch (InterruptedException e) {
            answer.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            throw new IOException(e.getCause().toString(), e.getCause());
        }
        if (response.statusCode() != 200) {
            throw new IOException("key endpoint answered " + response.statusCode());
        }
        if (response.body() == null) {
            throw new IOException("key endpoint answered without a Content-Length of at most " + MAX_PEM_BYTES);
        }
        return parse(new String(response.body(), StandardCharsets.US_ASCII));
    }

    // Decided on the headers, so an answer too large (or of unknown size) is never held in memory.
    private static BodySubscriber<byte[]> boundedBody(ResponseInfo info) {
        long length = info.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (info.statusCode() != 200 || length < 0 || length > MAX_PEM_BYTES) {
            return BodySubscribers.replacing(null);
        }
        return BodySubscribers.ofByteArray();
    }

    /** The P-256 key in {@code pem}; anything else is a {@link GeneralSecurityException}. */
    static ECPublicKey parse(String pem) throws GeneralSecurityException {
        String text = pem.trim();
        if (!text.startsWith(BEGIN) || !text.endsWith(END)) {
            throw new GeneralSecurityException("not a PEM public key");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(text.substring(BEGIN.length(), text.length() - END.length()));
        } catch (IllegalArgumentException e) {
            throw new GeneralSecurityException("PEM body is not base64", e);
        }
        PublicKey key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der));
        // ES256 is ECDSA on P-256 only; a key on another curve is not the ALB's.
        if (!(key instanceof ECPublicKey ec) || !ec.getParams().getCurve().equals(P256.getCurve())) {
            throw new GeneralSecurityException("not a P-256 key");
        }
        return ec;
    }

    private static ECParameterSpec p256() {
        try {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec("secp256r1"));
            return parameters.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has P-256", e);
        }
    }
}
