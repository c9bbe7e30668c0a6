package org.safetynets.service;

import org.safetynets.Limits;
import org.safetynets.backend.Backends;
import org.safetynets.model.DemoNetwork;
import org.safetynets.model.Model;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A prover host on a loopback ephemeral port serving the demo CNN (seed 1) as "demo", on the CPU backend. */
final class TestHost implements AutoCloseable {
    static final Model DEMO = DemoNetwork.build(1);
    static final Model OTHER = DemoNetwork.build(2);

    final ProverHostServer server;
    final List<String> log = new CopyOnWriteArrayList<>();

    TestHost(String token, int maxSessions, Duration sessionTimeout, ProverHost.Behaviour behaviour) throws Exception {
        this(token, maxSessions, sessionTimeout, Limits.DEFAULTS, behaviour);
    }

    TestHost(String token, int maxSessions, Duration sessionTimeout, Limits limits, ProverHost.Behaviour behaviour) throws Exception {
        this(plaintext(token), new ProverHost.Settings(maxSessions, sessionTimeout, Duration.ofSeconds(2), limits, MEMORY), behaviour);
    }

    TestHost(ProverHostServer.Listen listen, ProverHost.Settings settings, ProverHost.Behaviour behaviour) throws Exception {
        Map<String, Model> models = new LinkedHashMap<>();
        models.put("demo", DEMO);
        models.put("other", OTHER);
        server = ProverHostServer.start(listen, new ModelRegistry(models), Backends.open("cpu", 2, reason -> { }), settings, log::add, behaviour);
    }

    /** The tests' memory budget: half the heap, read from this JVM. */
    static final long MEMORY = Runtime.getRuntime().maxMemory() / 2;

    static ProverHostServer.Listen plaintext(String token) {
        return new ProverHostServer.Listen("localhost", 0, token, null, null);
    }

    static TestHost honest() throws Exception {
        return new TestHost(null, 8, Duration.ofSeconds(30), ProverHost.Behaviour.HONEST);
    }

    static TestHost cheating(ProverHost.Behaviour behaviour) throws Exception {
        return new TestHost(null, 8, Duration.ofSeconds(30), behaviour);
    }

    String address() {
        return "localhost:" + server.port();
    }

    ProverClient client() {
        return ProverClient.connect(address(), ProverClient.Options.DEFAULTS.withTimeout(Duration.ofSeconds(30)));
    }

    /** Waits (bounded) until no session runs. */
    void awaitIdle() throws InterruptedException {
        for (int i = 0; i < 200 && server.runningSessions() > 0; i++) Thread.sleep(25);
        assertEquals(0, server.runningSessions(), "sessions still running: " + log);
    }

    /** Closes the host; the allocator must be empty (RootAllocator.close throws on a leak). */
    @Override
    public void close() throws Exception {
        awaitIdle();
        assertEquals(0, server.allocatedBytes(), "the host's allocator holds memory with no session running");
        server.close();
    }
}
