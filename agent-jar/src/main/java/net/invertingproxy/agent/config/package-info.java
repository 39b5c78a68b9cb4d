/** The agent's command line: one immutable {@link net.invertingproxy.agent.config.AgentConfig} built from one table of flags. */
package net.invertingproxy.agent.config;
