/**
 * Scale-out: several proxy instances behind one load balancer, sharing membership, the request
 * queue and the backend registry through Redis, and streaming calls that name a request to the
 * instance that holds it (docs/scale-out.md).
 */
package net.invertingproxy.proxy.cluster;
