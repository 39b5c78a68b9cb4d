package net.invertingproxy.proxy.aws;

import java.io.ByteArrayInputStream;
import java.io.IOException;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.w3c.dom.Document;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

import net.invertingproxy.proxy.failure.Failure;
import net.invertingproxy.proxy.failure.FailureException;
import net.invertingproxy.proxy.login.CallerIdentity;

/**
 * Reads STS's answer to GetCallerIdentity: {@code Arn} and {@code Account} of a 200, or the
 * {@code Code} and {@code Message} of an {@code ErrorResponse}. A refusal of the signature or the
 * credentials is the login's fault (401); throttling and STS's own failures are not (503).
 */
final class StsAnswer {
    private StsAnswer() {
    }

    static CallerIdentity read(int status, byte[] body) throws FailureException {
        Document answer = parse(body);
        if (status == 200) {
            String arn = answer == null ? null : text(answer, "Arn");
            String account = answer == null ? null : text(answer, "Account");
            if (arn == null || account == null || !account.matches("[0-9]{12}")) {
                throw new FailureException(Failure.AWS_UNAVAILABLE, "STS answered without Arn and Account");
            }
            return new CallerIdentity(account, arn);
        }
        String code = answer == null ? null : text(answer, "Code");
        if (status >= 500 || "Throttling".equals(code) || "RequestLimitExceeded".equals(code)) {
            throw new FailureException(Failure.AWS_UNAVAILABLE, "STS is unavailable (" + status
                    + (code == null ? "" : " " + code) + ")");
        }
        String message = answer == null ? null : text(answer, "Message");
        throw new FailureException(Failure.AGENT_LOGIN_REFUSED, "STS refused the login: "
                + (code == null ? "status " + status : code) + (message == null ? "" : ": " + oneLine(message)));
    }

    private static String text(Document document, String element) {
        NodeList nodes = document.getElementsByTagNameNS("*", element);
        if (nodes.getLength() == 0) {
            return null;
        }
        return nodes.item(0).getTextContent().trim();
    }

    // No DTDs and no external entities: the answer comes over the network.
    private static Document parse(byte[] body) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            // Quiet: a malformed answer is reported as such, not printed to stderr.
            builder.setErrorHandler(new DefaultHandler());
            return builder.parse(new ByteArrayInputStream(body));
        } catch (ParserConfigurationException | SAXException | IOException e) {
            return null;
        }
    }

    private static String oneLine(String text) {
        String line = text.replaceAll("\\s+", " ");
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }
}
