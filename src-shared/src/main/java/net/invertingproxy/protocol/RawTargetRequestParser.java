package net.invertingproxy.protocol;

import java.io.IOException;

import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.message.RequestLine;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.impl.io.DefaultHttpRequestParser;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.http.message.BasicLineParser;
import org.apache.hc.core5.util.CharArrayBuffer;

/**
 * HttpCore's request parser, keeping the request target exactly as sent: its default turns the
 * target into a URI, which reads a target such as "//a/b" as having the authority "a".
 */
final class RawTargetRequestParser extends DefaultHttpRequestParser {
    RawTargetRequestParser(Http1Config config) {
        super(config);
    }

    @Override
    protected ClassicHttpRequest createMessage(CharArrayBuffer buffer) throws HttpException {
        RequestLine line = BasicLineParser.INSTANCE.parseRequestLine(buffer);
        ClassicHttpRequest request = new BasicClassicHttpRequest(line.getMethod(), (String) null);
        request.setPath(line.getUri());
        request.setVersion(line.getProtocolVersion());
        return request;
    }
}
