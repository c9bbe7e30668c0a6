package org.safetynets.cli;

import org.safetynets.BackendUnavailable;
import org.safetynets.backend.Backend;
import org.safetynets.backend.BackendProvider;
import org.safetynets.backend.Backends;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/** Lists the backends on the class path, whether each can run here, and which one auto picks. */
@Command(name = "backends", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Lists every backend found, in auto's order, whether it can run here (and why not), the devices each "
                + "found, and the one auto picks.")
final class BackendsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<BackendProvider> providers = Backends.providers();
        Format.Table table = new Format.Table(false, true, false).row("backend", "priority", "status");
        for (BackendProvider provider : providers) {
            String reason = provider.unavailableReason();
            table.row(provider.name(), Integer.toString(provider.autoPriority()),
                    reason == null ? "available" : "unavailable: " + Main.oneLine(reason));
        }
        if (providers.isEmpty()) out.println("no backend found on the class path");
        else table.lines("").forEach(out::println);
        for (BackendProvider provider : providers) {
            List<String> devices = provider.devices();
            if (devices.isEmpty()) continue;
            out.println();
            out.println(provider.name() + " devices:");
            for (String device : devices) out.println("  " + Main.oneLine(device));
        }
        out.println();
        try (Backend auto = Backends.open("auto", 0, skipped -> { })) {
            out.println("auto picks " + auto.name() + ": " + auto.description());
            return Main.OK;
        } catch (BackendUnavailable e) {
            out.println("auto: " + e.getMessage());
            return Main.ERROR;
        }
    }
}
