package org.safetynets.backend;

import org.safetynets.BackendUnavailable;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Consumer;

/** Finds backends by name through {@link ServiceLoader}; "auto" takes the first available in priority order. */
public final class Backends {
    private Backends() {
    }

    public static List<BackendProvider> providers() {
        List<BackendProvider> all = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class).forEach(all::add);
        all.sort(Comparator.comparingInt(BackendProvider::autoPriority));
        return all;
    }

    /**
     * Opens the backend called {@code name}, or under "auto" the first that is available, telling
     * {@code warnings} in one line about each one skipped. An explicit request for an unavailable backend fails
     * with the reason and the list of those that are available.
     */
    public static Backend open(String name, int threads, Consumer<String> warnings) {
        return open(name, threads, warnings, providers());
    }

    /**
     * {@link #open(String, int, Consumer)} over the given providers, in auto's order. Under "auto" a provider that
     * reports itself available but then fails to open with {@link BackendUnavailable} (a device whose kernels do
     * not build, say) is skipped like one that reports a reason.
     */
    static Backend open(String name, int threads, Consumer<String> warnings, List<BackendProvider> providers) {
        if (name.equals("auto")) {
            for (BackendProvider provider : providers) {
                String reason = provider.unavailableReason();
                if (reason == null) {
                    try {
                        return provider.open(threads);
                    } catch (BackendUnavailable e) {
                        reason = e.getMessage();
                    }
                }
                warnings.accept("backend " + provider.name() + " skipped: " + reason);
            }
            throw new BackendUnavailable("no backend is available (found: " + names(providers) + ")");
        }
        for (BackendProvider provider : providers) {
            if (provider.name().equals(name)) {
                String reason = provider.unavailableReason();
                if (reason != null) {
                    throw new BackendUnavailable("backend '" + name + "' is unavailable: " + reason
                            + "; available: " + availableNames(providers));
                }
                return provider.open(threads);
            }
        }
        throw new BackendUnavailable("unknown backend '" + name + "'; available: " + availableNames(providers) + " or auto");
    }

    private static String names(List<BackendProvider> providers) {
        List<String> names = new ArrayList<>();
        for (BackendProvider p : providers) names.add(p.name());
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    private static String availableNames(List<BackendProvider> providers) {
        List<String> names = new ArrayList<>();
        for (BackendProvider p : providers) if (p.unavailableReason() == null) names.add(p.name());
        return names.isEmpty() ? "none" : String.join(", ", names);
    }
}
