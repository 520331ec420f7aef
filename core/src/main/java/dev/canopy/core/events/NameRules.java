package dev.canopy.core.events;

/**
 * What a name may be. Names become parts of state-store keys, metric labels and topic keys. A name is limited
 * in length (in UTF-8 bytes, as stored) and, when it is a key part, may hold no control character (U+0000 to
 * U+001F, U+007F to U+009F: the stores join names with U+0000) and no unpaired surrogate (which UTF-8 encoding
 * would turn into '?', making two names one key).
 */
final class NameRules {

    /** How a name is used: a key part (model, release, rollout_id, prompt_id) or a plain value (finish_reason). */
    enum Role { KEY_PART, VALUE }

    private NameRules() {
    }

    static void requireNonEmpty(String value, String name) throws ParseRejection {
        if (value == null) {
            throw new ParseRejection(RejectReason.MISSING_FIELD, name + " is missing");
        }
        if (value.isEmpty()) {
            throw new ParseRejection(RejectReason.EMPTY_STRING, name + " is empty");
        }
    }

    static void require(String value, String name, Role role, int maxNameBytes) throws ParseRejection {
        boolean keyPart = role == Role.KEY_PART;
        int bytes = 0;
        int n = value.length();
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c < 0x80) {
                bytes += 1;
                if (keyPart && (c < 0x20 || c == 0x7f)) {
                    throw new ParseRejection(RejectReason.INVALID_NAME, name + " holds the control character U+" + hex(c) + " at index " + i);
                }
            } else if (c < 0x800) {
                bytes += 2;
                if (keyPart && c <= 0x9f) {
                    throw new ParseRejection(RejectReason.INVALID_NAME, name + " holds the control character U+" + hex(c) + " at index " + i);
                }
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(value.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                if (keyPart) {
                    throw new ParseRejection(RejectReason.INVALID_NAME, name + " holds an unpaired surrogate U+" + hex(c) + " at index " + i);
                }
                bytes += 3;
            } else {
                bytes += 3;
            }
        }
        if (bytes > maxNameBytes) {
            throw new ParseRejection(RejectReason.NAME_TOO_LONG, name + " is " + bytes + " bytes long, over the limit of " + maxNameBytes);
        }
    }

    private static String hex(char c) {
        return String.format("%04X", (int) c);
    }
}
