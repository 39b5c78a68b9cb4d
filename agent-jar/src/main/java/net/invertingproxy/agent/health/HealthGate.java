package net.invertingproxy.agent.health;

/** Whether the backend is healthy enough to take requests; the poll loop waits here while it is not. */
public final class HealthGate {
    private boolean healthy;

    /** An open gate, for an agent without health checks. */
    public HealthGate() {
        this(true);
    }

    /** A gate that starts open or, for an agent that waits for its backend's first passing check, closed. */
    public HealthGate(boolean healthy) {
        this.healthy = healthy;
    }

    /** Whether the backend is currently considered healthy. */
    public synchronized boolean isHealthy() {
        return healthy;
    }

    /** Records the backend's health and wakes the poll loop when it becomes healthy. */
    public synchronized void setHealthy(boolean healthy) {
        this.healthy = healthy;
        notifyAll();
    }

    /** Returns once the backend is healthy. */
    public synchronized void awaitHealthy() throws InterruptedException {
        while (!healthy) {
            wait();
        }
    }
}
