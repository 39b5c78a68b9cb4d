#!/bin/sh
# JVM flags for Tomcat running the inverting proxy: copy to $CATALINA_BASE/bin/setenv.sh.
# catalina.sh sources this file; variables already set in the environment win.

# Ports and bind address used by conf/server.xml.
INVERTING_PROXY_HTTP_PORT="${INVERTING_PROXY_HTTP_PORT:-8080}"
INVERTING_PROXY_BIND_ADDRESS="${INVERTING_PROXY_BIND_ADDRESS:-0.0.0.0}"

# Heap: parked requests cost little; bodies stream through fixed buffers. 512 MiB holds tens of
# thousands of parked requests. Exit on OOM so the load balancer replaces the instance.
INVERTING_PROXY_HEAP="${INVERTING_PROXY_HEAP:-512m}"

CATALINA_OPTS="$CATALINA_OPTS -Xms$INVERTING_PROXY_HEAP -Xmx$INVERTING_PROXY_HEAP"
CATALINA_OPTS="$CATALINA_OPTS -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError"
CATALINA_OPTS="$CATALINA_OPTS -Dinverting-proxy.http-port=$INVERTING_PROXY_HTTP_PORT"
CATALINA_OPTS="$CATALINA_OPTS -Dinverting-proxy.bind-address=$INVERTING_PROXY_BIND_ADDRESS"
# Proxy settings may also be set here, e.g.:
# CATALINA_OPTS="$CATALINA_OPTS -Dinverting-proxy.poll-hold-seconds=25"
export CATALINA_OPTS
