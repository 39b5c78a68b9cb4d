/** The long-poll loop that asks the proxy for pending requests and hands each one to the dispatcher. */
package net.invertingproxy.agent.poll;
