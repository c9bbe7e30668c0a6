package org.safetynets;

/**
 * Root of the project's few typed errors. Every failure a user can cause (a malformed file, a rejected proof,
 * an unavailable backend) is one of its subclasses, so the CLI can turn it into one line and an exit code.
 */
public abstract class SafetyNetsException extends RuntimeException {
    protected SafetyNetsException(String message) {
        super(message);
    }

    protected SafetyNetsException(String message, Throwable cause) {
        super(message, cause);
    }
}
