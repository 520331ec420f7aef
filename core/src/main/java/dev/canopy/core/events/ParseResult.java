package dev.canopy.core.events;

/**
 * The outcome of parsing one record: either an accepted {@link TokenRecord} or a rejection with one
 * {@link RejectReason} and a short human-readable detail (never the record's content).
 */
public record ParseResult(TokenRecord record, RejectReason reason, String detail) {

    public static ParseResult accepted(TokenRecord record) {
        return new ParseResult(record, null, null);
    }

    public static ParseResult rejected(RejectReason reason, String detail) {
        return new ParseResult(null, reason, detail);
    }

    public boolean isAccepted() {
        return record != null;
    }
}
