package net.invertingproxy.proxy.config;

/** A setting has a value the proxy cannot use; start-up stops with this one-line reason. */
public class InvalidSettingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a one-line reason naming the setting. */
    public InvalidSettingException(String reason) {
        super(reason);
    }
}
