package net.invertingproxy.proxy.inspect;

/** One header as the inspector keeps it: its value may be {@link HeaderRedaction#REDACTED}. */
public record InspectedHeader(String name, String value) {
}
