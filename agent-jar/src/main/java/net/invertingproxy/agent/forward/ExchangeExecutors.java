package net.invertingproxy.agent.forward;

import java.lang.reflect.Method;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Chooses the threads that move an exchange's bytes (reading the request, uploading its body,
 * posting the response): a virtual thread each where the JVM has them (Java 21+, found by
 * reflection since the agent is compiled for Java 17), otherwise a pool of small daemon threads
 * that grows with demand and shrinks soon after. No thread waits for a backend's answer.
 */
final class ExchangeExecutors {
    /** Name prefix of the pool's threads. */
    static final String THREAD_PREFIX = "agent-exchange-";
    // Exchanges only copy through 32 KiB heap buffers; a small stack keeps a large burst cheap.
    private static final long STACK_SIZE = 256 * 1024;
    // Idle threads go soon, so a burst of requests leaves no crowd of parked threads behind; a new
    // thread costs far less than the network round trip that needs it.
    private static final long IDLE_SECONDS = 5;

    private ExchangeExecutors() {
    }

    /** An executor for at most {@code maxThreads} tasks at once; callers bound the tasks they submit. */
    static ExecutorService create(int maxThreads) {
        ExecutorService virtual = virtualThreadPerTask();
        return virtual != null ? virtual : threadPool(maxThreads);
    }

    /** Whether exchanges will run on virtual threads. */
    static boolean virtualThreadsAvailable() {
        return virtualThreadFactoryMethod() != null;
    }

    private static ExecutorService virtualThreadPerTask() {
        Method factory = virtualThreadFactoryMethod();
        if (factory == null) {
            return null;
        }
        try {
            return (ExecutorService) factory.invoke(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static Method virtualThreadFactoryMethod() {
        try {
            return Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static ExecutorService threadPool(int maxThreads) {
        AtomicInteger count = new AtomicInteger();
        ThreadFactory threads = task -> {
            Thread thread = new Thread(null, task, THREAD_PREFIX + count.incrementAndGet(), STACK_SIZE);
            thread.setDaemon(true);
            return thread;
        };
        // A SynchronousQueue hands each task straight to a thread; the caller's semaphore keeps it within max.
        return new ThreadPoolExecutor(0, maxThreads, IDLE_SECONDS, TimeUnit.SECONDS, new SynchronousQueue<>(), threads);
    }
}
