package dev.canopy.app.compare;

/**
 * The semantic-diversity metrics {@code canopy compare --semantic} compares, each named by its path inside
 * a report group's {@code semantic} block. All four are functions of the per-prompt values
 * (d̄_p, Vendi_p, the two Pearson coefficients and n_p); the ordinal indexes {@link SemanticTable}'s
 * pooled vectors.
 */
enum SemanticMetric {
    DIVERSITY("diversity", "semantic diversity (mean d)", false),
    VENDI("vendi", "Vendi score", false),
    ENTROPY_RATE("diversity_entropy_rate.pearson", "corr(d, r) Pearson", true),
    LENGTH("diversity_length.pearson", "corr(d, N) Pearson", true);

    static final int COUNT = values().length;

    private final String key;
    private final String label;
    private final boolean signed;

    SemanticMetric(String key, String label, boolean signed) {
        this.key = key;
        this.label = label;
        this.signed = signed;
    }

    /** The compare.json key: the field's path in the report's semantic block. */
    String key() {
        return key;
    }

    String label() {
        return label;
    }

    /** Whether the metric can be negative (then a percent change means nothing and is null). */
    boolean signed() {
        return signed;
    }
}
