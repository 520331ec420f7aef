package dev.canopy.core.events;

/** Aborts the parse of one record with its {@link RejectReason}; carries no stack trace (it is not an error of Canopy). */
final class ParseRejection extends Exception {

    final RejectReason reason;

    ParseRejection(RejectReason reason, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
    }
}
