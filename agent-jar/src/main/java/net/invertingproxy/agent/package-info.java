/** The inverting-proxy agent: {@link net.invertingproxy.agent.Agent} runs it in-process, {@link net.invertingproxy.agent.AgentMain} from the command line. */
package net.invertingproxy.agent;
