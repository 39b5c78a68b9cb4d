package net.invertingproxy.tunnel;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A packaged executable (the WAR or the agent jar) run in its own JVM, as a user runs it. */
public final class JavaProcess implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private JavaProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
        Thread reader = new Thread(this::readOutput, "output of " + log.getFileName());
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code java <jvmFlags> -jar <jar> <args>}; both output streams go to the log file and are readable by line. */
    public static JavaProcess start(Path log, List<String> jvmFlags, Path jar, String... args) throws IOException {
        return start(log, jvmFlags, Map.of(), jar, args);
    }

    /**
     * Like {@link #start(Path, List, Path, String...)} with {@code environment} added to this JVM's: the way to hand
     * the program a secret (an admin token, an agent credential) without putting it on a command line.
     */
    public static JavaProcess start(Path log, List<String> jvmFlags, Map<String, String> environment, Path jar, String... args)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags);
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(List.of(args));
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        return new JavaProcess(process, log);
    }

    /** Waits for an output line matching the pattern and returns its match. */
    public Matcher awaitLine(Pattern pattern, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line != null) {
                Matcher matcher = pattern.matcher(line);
                if (matcher.find()) {
                    return matcher;
                }
            }
        }
        throw new AssertionError("no line matching " + pattern + " within " + seconds + " s; see " + log);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The operating system's process ID, for signals the JDK cannot send (SIGSTOP, SIGCONT). */
    public long pid() {
        return process.pid();
    }

    /** Kills the process with SIGKILL, as a crash or the OOM killer would, and waits until it is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new AssertionError("process " + process.pid() + " still alive 10 s after SIGKILL; see " + log);
        }
    }

    private void readOutput() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines.add(line);
                Files.writeString(log, line + System.lineSeparator(), StandardCharsets.UTF_8,
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
