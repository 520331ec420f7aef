package dev.canopy.analysis.compare;

/**
 * The semantic-diversity metrics {@code canopy compare --semantic} compares, each named by its path inside
 * a report group's {@code semantic} block. All four are functions of the per-prompt values
 * (d̄_p, Vendi_p, the two Pearson coefficients and n_p); the ordinal indexes {@link SemanticTable}'s
 * pooled vectors.
 */
enum SemanticMetric implements ComparedMetric {
    DIVERSITY("diversity", "semantic diversity (mean d)", false),
    VENDI("vendi", "Vendi score", false),
    ENTROPY_RATE("diversity_entropy_rate.pearson", "corr(d, r) Pearson", true),
    LENGTH("diversity_length.pearson", "corr(d, N) Pearson", true);

    static final int COUNT = values().length;

    private final Name name;

    SemanticMetric(String key, String label, boolean signed) {
        this.name = new Name(key, label, signed);
    }

    @Override
    public Name metricName() {
        return name;
    }
}
