package net.invertingproxy.proxy.scripts;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A long-running script (run-proxy, run-agent) started the way a service manager starts it: an explicit environment,
 * a working directory, no terminal. Its stdout and stderr go, merged, to a log file and can be awaited line by line.
 * {@link #close()} kills it and anything it started, with bounded waits.
 */
final class ScriptProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path log;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<ProcessHandle> seenDescendants = new ArrayList<>();
    private final Thread reader;

    private ScriptProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.reader = new Thread(this::readOutput, "output of " + name);
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts the command with exactly the given environment in {@code workDir}; output goes to {@code log}. */
    static ScriptProcess start(String name, List<String> command, Map<String, String> environment, Path workDir, Path log)
            throws IOException {
        Files.createDirectories(log.getParent());
        Files.deleteIfExists(log);
        Files.createFile(log);
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().clear();
        builder.environment().putAll(environment);
        return new ScriptProcess(name, builder.start(), log);
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code, or -1 while it runs. */
    int exitCode() {
        return process.isAlive() ? -1 : process.exitValue();
    }

    /** Everything it printed so far. */
    String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** Waits for an output line matching the pattern; fails, with the output, on timeout or if the process ends first. */
    Matcher awaitLine(Pattern pattern, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line != null) {
                Matcher matcher = pattern.matcher(line);
                if (matcher.find()) {
                    return matcher;
                }
            } else if (!process.isAlive() && !reader.isAlive() && lines.isEmpty()) {
                throw new AssertionError(name + " exited (" + process.exitValue() + ") without printing a line matching "
                        + pattern + ":\n" + output());
            }
        }
        throw new AssertionError(name + " printed no line matching " + pattern + " within " + seconds + " s:\n" + output());
    }

    /**
     * Sends SIGTERM, as systemd's {@code KillSignal=SIGTERM} does, and returns the exit code; fails if it is still
     * running after {@code seconds}. Only the signal: its output stays open while it stops, as the journal (or a
     * terminal) does. ({@link Process#destroy()} would also close the pipe, and a script that logs while it stops
     * would die of SIGPIPE.)
     */
    int terminate(long seconds) throws InterruptedException {
        rememberDescendants();
        process.toHandle().destroy();
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError(name + " still running " + seconds + " s after SIGTERM:\n" + output());
        }
        reader.join(2000);
        return process.exitValue();
    }

    /**
     * Closes the reading end of its output, as when the terminal it printed to is closed or the reader of its pipe
     * ends: from then on what it prints fails (SIGPIPE, unless it ignores that).
     */
    void closeOutput() throws IOException {
        process.getInputStream().close();
    }

    /** Kills it and everything it started: SIGTERM, then SIGKILL after a bounded wait. */
    @Override
    public void close() {
        rememberDescendants();
        killTree(process.toHandle());
        for (ProcessHandle descendant : seenDescendants) {
            descendant.destroyForcibly();
        }
    }

    private void rememberDescendants() {
        process.descendants().forEach(seenDescendants::add);
    }

    /** SIGTERM to the process and its descendants, up to 15 s to end, then SIGKILL to whatever is left. */
    static void killTree(ProcessHandle root) {
        List<ProcessHandle> all = new ArrayList<>(root.descendants().toList());
        all.add(0, root);
        all.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        for (ProcessHandle handle : all) {
            long left = deadline - System.nanoTime();
            try {
                handle.onExit().get(Math.max(left, 0), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                handle.destroyForcibly();
            }
        }
    }

    private void readOutput() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                Files.writeString(log, line + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
                lines.add(line);
            }
        } catch (IOException e) {
            // the process ended
        }
    }
}
