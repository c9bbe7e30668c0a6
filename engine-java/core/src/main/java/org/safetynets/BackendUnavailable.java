package org.safetynets;

/** A backend that was asked for by name cannot run here; the message says why and lists what can. */
public final class BackendUnavailable extends SafetyNetsException {
    public BackendUnavailable(String message) {
        super(message);
    }
}
