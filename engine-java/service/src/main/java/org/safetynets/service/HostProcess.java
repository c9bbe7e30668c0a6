package org.safetynets.service;

import org.safetynets.MalformedInput;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A prover host in its own process ({@code bin/safetynets serve}), for the load and fault benchmark: a real host
 * that can be killed with SIGKILL, as a crash or an operator would, not a thread that shares the client's JVM.
 */
final class HostProcess implements AutoCloseable {
    private final Process process;
    private final int port;

    private HostProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Starts {@code launcher serve --models DIR --port PORT ARGS...} (port 0: a free one), its standard error
     * appended to {@code log}, and waits for the "port N" line it prints once its models are loaded and warmed.
     */
    static HostProcess start(Path launcher, Path models, int port, List<String> arguments, Path log, long startSeconds) throws IOException {
        List<String> command = new ArrayList<>(List.of(launcher.toString(), "serve", "--models", models.toString(), "--bind", "127.0.0.1",
                "--port", Integer.toString(port)));
        command.addAll(arguments);
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        // Read standard output to its end on a daemon thread (a host writing to a closed pipe would fail), noting the port.
        CompletableFuture<Integer> bound = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.startsWith("port ")) bound.complete(Integer.parseInt(line.substring(5).trim()));
                }
            } catch (IOException | NumberFormatException e) {
                // the port stays unknown
            }
            bound.complete(-1);
        }, "host-stdout");
        reader.setDaemon(true);
        reader.start();
        int chosen;
        try {
            chosen = bound.get(startSeconds, TimeUnit.SECONDS);
        } catch (Exception e) {
            chosen = -1;
        }
        if (chosen < 1) {
            process.destroyForcibly();
            throw new MalformedInput("bench serve", "the host (" + String.join(" ", command) + ") did not start within " + startSeconds
                    + " s; see " + log);
        }
        return new HostProcess(process, chosen);
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL: no shutdown hook runs, every connection drops at once. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, the host's clean shutdown; SIGKILL if it has not stopped after a minute. */
    @Override
    public void close() throws InterruptedException {
        if (!process.isAlive()) return;
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) kill();
    }
}
