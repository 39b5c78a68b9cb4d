package net.invertingproxy.proxy.observe;

/** Told once about every exchange when it ends; must be quick and must not throw. */
@FunctionalInterface
public interface ExchangeListener {
    /** Called once per exchange, on the thread that ended it. */
    void exchangeEnded(ExchangeSummary summary);
}
