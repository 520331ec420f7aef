package dev.canopy.core;

/**
 * A mistake the user can fix (a bad flag, a missing file, an unreachable broker): printed as one
 * message that names the key and the fix, without a stack trace, with exit code 2.
 */
public final class UserError extends RuntimeException {

    public UserError(String message) {
        super(message, null, false, false);
    }
}
