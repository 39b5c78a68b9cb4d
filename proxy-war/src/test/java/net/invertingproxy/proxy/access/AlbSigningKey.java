package net.invertingproxy.proxy.access;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/** A freshly generated EC key playing the ALB: it signs test tokens the way the ALB does and shows its key as PEM. */
final class AlbSigningKey {
    static final String ARN =
            "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/test-alb/50dc6c495c0c9188";
    static final String REGION = "eu-west-1";

    private final KeyPair keyPair;

    private AlbSigningKey(KeyPair keyPair) {
        this.keyPair = keyPair;
    }

    static AlbSigningKey generate(String curve) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(curve));
            return new AlbSigningKey(generator.generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static AlbSigningKey generate() {
        return generate("secp256r1");
    }

    /** A token as the ALB writes it: base64url segments with '=' padding, ES256 in P1363 form. */
    String sign(String headerJson, String payloadJson) {
        return sign(headerJson, payloadJson, Base64.getUrlEncoder());
    }

    String sign(String headerJson, String payloadJson, Base64.Encoder encoder) {
        String signed = segment(headerJson, encoder) + "." + segment(payloadJson, encoder);
        return signed + "." + encoder.encodeToString(signature(signed));
    }

    byte[] signature(String signedText) {
        try {
            Signature signature = Signature.getInstance("SHA256withECDSAinP1363Format");
            signature.initSign(keyPair.getPrivate());
            signature.update(signedText.getBytes(StandardCharsets.US_ASCII));
            return signature.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    PublicKey publicKey() {
        return keyPair.getPublic();
    }

    String pem() {
        return "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(keyPair.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    static String segment(String json, Base64.Encoder encoder) {
        return encoder.encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    static String header(String alg, String kid, String signer) {
        return "{\"typ\":\"JWT\",\"kid\":\"" + kid + "\",\"alg\":\"" + alg + "\",\"iss\":\"https://idp.example\","
                + "\"client\":\"client-1\",\"signer\":\"" + signer + "\",\"exp\":1}";
    }

    static String payload(String sub, long exp) {
        return "{\"sub\":\"" + sub + "\",\"email\":\"alice@example.com\",\"exp\":" + exp
                + ",\"iss\":\"https://idp.example\"}";
    }
}
