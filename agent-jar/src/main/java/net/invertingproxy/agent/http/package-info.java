/** HttpClient plumbing both sides of the agent share: requests that can be aborted and responses closed without draining. */
package net.invertingproxy.agent.http;
