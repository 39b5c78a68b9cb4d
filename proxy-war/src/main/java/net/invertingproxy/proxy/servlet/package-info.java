/** The HTTP edge: async servlets for clients, agents and the load balancer's health check. */
package net.invertingproxy.proxy.servlet;
