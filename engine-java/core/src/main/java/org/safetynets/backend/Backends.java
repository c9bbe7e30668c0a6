package org.safetynets.backend;

import org.safetynets.BackendUnavailable;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
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
     * {@link #open(String, int, Consumer)}, on the given device of the named backend when {@code device} is present
     * (see {@link BackendProvider#open(int, int)}). A device number belongs to one backend's list, so it needs a
     * backend's name, not "auto".
     */
    public static Backend open(String name, int threads, OptionalInt device, Consumer<String> warnings) {
        return open(name, threads, device, warnings, providers());
    }

    static Backend open(String name, int threads, OptionalInt device, Consumer<String> warnings, List<BackendProvider> providers) {
        if (device.isEmpty()) return open(name, threads, warnings, providers);
        if (name.equals("auto")) throw new IllegalArgumentException("a device number needs a backend's name, not auto");
        return available(name, providers).open(threads, device.getAsInt());
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
        return available(name, providers).open(threads);
    }

    /** The provider called {@code name} when it can run here, else the reason and the list of those that can. */
    private static BackendProvider available(String name, List<BackendProvider> providers) {
        for (BackendProvider provider : providers) {
            if (provider.name().equals(name)) {
                String reason = provider.unavailableReason();
                if (reason != null) {
                    throw new BackendUnavailable("backend '" + name + "' is unavailable: " + reason
                            + "; available: " + availableNames(providers));
                }
                return provider;
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
