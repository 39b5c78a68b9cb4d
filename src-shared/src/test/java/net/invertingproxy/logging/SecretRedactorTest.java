package net.invertingproxy.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Credentials in the shapes libraries and the project log them come out redacted; the rest of the line stays. */
class SecretRedactorTest {
    @Test
    void headerValuesAreRedactedWhateverTheirCase() {
        assertEquals("Authorization: [redacted]", SecretRedactor.redact("Authorization: Bearer abc.def"));
        assertEquals("cookie: [redacted]", SecretRedactor.redact("cookie: session=s3cr3t; theme=dark"));
        assertEquals("SET-COOKIE:[redacted]\nHost: h", SecretRedactor.redact("SET-COOKIE:id=1; HttpOnly\nHost: h"));
        assertEquals("X-Api-Key: [redacted]", SecretRedactor.redact("X-Api-Key: k-123"));
        assertEquals("Proxy-Authorization: [redacted]", SecretRedactor.redact("Proxy-Authorization: Basic dTpw"));
    }

    @Test
    void aWireLogLineKeepsItsEscapedLineEnd() {
        assertEquals("http-outgoing-0 >> \"Cookie: [redacted][\\r][\\n]\"",
                SecretRedactor.redact("http-outgoing-0 >> \"Cookie: a=b[\\r][\\n]\""));
    }

    @Test
    void aHeaderInsideAJsonStringEndsAtItsEscapedLineEnd() {
        assertEquals("{\"message\":\"GET / HTTP/1.1\\r\\nCookie: [redacted]\\r\\nHost: h\\r\\n\"}",
                SecretRedactor.redact("{\"message\":\"GET / HTTP/1.1\\r\\nCookie: a=b\\r\\nHost: h\\r\\n\"}"));
    }

    @Test
    void jettysParsedHeaderLineLosesTheValue() {
        assertEquals("parsedHeader(null) header=Cookie, headerString=[Cookie], valueString=[[redacted]]",
                SecretRedactor.redact("parsedHeader(null) header=Cookie, headerString=[Cookie], valueString=[sid=x1]"));
        assertEquals("header=null, headerString=[X-Api-Key], valueString=[[redacted]]",
                SecretRedactor.redact("header=null, headerString=[X-Api-Key], valueString=[k]"));
        assertEquals("header=null, headerString=[Accept], valueString=[*/*]",
                SecretRedactor.redact("header=null, headerString=[Accept], valueString=[*/*]"));
    }

    @Test
    void aBufferDumpLosesItsBytesWhereverItCutTheHeaders() {
        assertEquals("filled 174 DirectByteBuffer@1[p=0,l=174]={<<<[redacted]>>>}",
                SecretRedactor.redact("filled 174 DirectByteBuffer@1[p=0,l=174]={<<<GET / HTTP/1.1\\r\\nHo...y-value\\r\\n>>>\\r\\nUp...}"));
    }

    @Test
    void headersInAOneLineDumpAreRedactedToTheEndOfTheLine() {
        assertEquals("HttpFields{Host: h, Authorization: [redacted]",
                SecretRedactor.redact("HttpFields{Host: h, Authorization: Basic dTpw, Accept: */*}"));
    }

    @Test
    void projectTokensKeepOnlyTheirNonSecretPart() {
        assertEquals("credential ipa_k1_[redacted] refused", SecretRedactor.redact("credential ipa_k1_AbC-9_x refused"));
        assertEquals("session ips_[redacted] expired", SecretRedactor.redact("session ips_eyJiIjoiYiJ9.c2ln expired"));
    }

    @Test
    void jwtsAndBareBearerOrBasicCredentialsAreRedacted() {
        assertEquals("token [redacted] bad", SecretRedactor.redact("token eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln bad"));
        assertEquals("sent Bearer [redacted] twice", SecretRedactor.redact("sent Bearer abc123 twice"));
        assertEquals("basic [redacted]", SecretRedactor.redact("basic dXNlcjpwYXNz"));
    }

    @Test
    void quotedJsonAndBracketedValuesAreRedactedWhole() {
        assertEquals("Cookie: [redacted]", SecretRedactor.redact("Cookie: session=\"s3cr3t\"; theme=dark"));
        assertEquals("{\"Authorization\":[redacted], \"x\": 1}",
                SecretRedactor.redact("{\"Authorization\":\"AWS4-HMAC-SHA256 Signature=abc\", \"x\": 1}"));
        assertEquals("{\"x-api-key\": [redacted]}", SecretRedactor.redact("{\"x-api-key\": \"k\"}"));
        assertEquals("{cookie=[redacted], host=[h]}", SecretRedactor.redact("{cookie=[a=b], host=[h]}"));
        assertEquals("X-Auth-Token: [redacted]", SecretRedactor.redact("X-Auth-Token: t0k"));
    }

    @Test
    void tokensInUrlsAreRedacted() {
        assertEquals("GET /cb?code=[redacted]&state=s HTTP/1.1", SecretRedactor.redact("GET /cb?code=c0de&state=s HTTP/1.1"));
        assertEquals("https://b.s3/o?X-Amz-Signature=[redacted]&X-Amz-Credential=[redacted]",
                SecretRedactor.redact("https://b.s3/o?X-Amz-Signature=abc&X-Amz-Credential=AKIA/x"));
        assertEquals("proxy http://user:[redacted]@proxy.example:3128/", SecretRedactor.redact("proxy http://user:pw@proxy.example:3128/"));
    }

    @Test
    void linesWithoutCredentialsAreUnchanged() {
        String line = "GET /api/items?page=2 -> 200 in 3 ms, backend billing, agent a1";
        assertEquals(line, SecretRedactor.redact(line));
        assertEquals("", SecretRedactor.redact(""));
        assertEquals(null, SecretRedactor.redact(null));
    }
}
