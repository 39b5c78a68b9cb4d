/**
 * Backend health checks with the Go agent's flags and pass rule: polling waits for the first passing
 * check, and pauses (where the Go agent exits) while the backend keeps failing.
 */
package net.invertingproxy.agent.health;
