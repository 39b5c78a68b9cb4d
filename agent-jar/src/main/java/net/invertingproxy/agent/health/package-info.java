/** Backend health checks that pause polling while the backend is down, as the Go agent's do. */
package net.invertingproxy.agent.health;
