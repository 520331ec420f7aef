package dev.canopy.analysis.compare;

import dev.canopy.core.UserError;

/** A deployed model and release as the user names it on the command line: {@code MODEL@RELEASE}. */
record ReleaseRef(String model, String release) {

    /**
     * Parses {@code MODEL@RELEASE}, splitting at the last {@code @} (model names may contain one).
     *
     * @param flag the option the value came from, for the error message
     */
    static ReleaseRef parse(String flag, String value) {
        int at = value == null ? -1 : value.lastIndexOf('@');
        if (at <= 0 || at == value.length() - 1) {
            throw new UserError(flag + " must be MODEL@RELEASE as the report names groups (e.g. sim-chat-8b@base-2026-11-01), got '"
                    + value + "'");
        }
        return new ReleaseRef(value.substring(0, at), value.substring(at + 1));
    }

    boolean matches(String model, String release) {
        return this.model.equals(model) && this.release.equals(release);
    }

    @Override
    public String toString() {
        return model + "@" + release;
    }
}
