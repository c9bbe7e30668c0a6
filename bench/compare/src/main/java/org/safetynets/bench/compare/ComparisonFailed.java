package org.safetynets.bench.compare;

import org.safetynets.SafetyNetsException;

/**
 * A comparison that measured something wrong: a rejected honest proof, backends that disagree on a result, or
 * float and field inference that compute different networks. Numbers from such a run are not to be trusted,
 * so the run stops rather than report them.
 */
public final class ComparisonFailed extends SafetyNetsException {
    public ComparisonFailed(String message) {
        super(message);
    }
}
