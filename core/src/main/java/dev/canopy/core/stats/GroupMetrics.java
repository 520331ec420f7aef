package dev.canopy.core.stats;

import dev.canopy.core.events.Estimator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The metrics of one model and release, computed from its {@link GroupAccumulator} exactly as
 * METRICS.md defines them; the pooled-over-prompts formulas are {@link PromptPool}'s. Undefined values
 * are NaN (null in JSON).
 *
 * @param lengthEntropyRate prompt-controlled rho(N, r): Fisher-z pooled Pearson and Spearman, weighted
 *                          Kendall and covariance
 * @param pearsonInterval   95% interval of the pooled Pearson from the pooled z's weight
 * @param allRollouts       the four coefficients over all rollouts, ignoring prompts
 * @param allPearsonInterval 95% Fisher interval of the all-rollouts Pearson (n - 3 weight)
 */
public record GroupMetrics(GroupKey key, long rollouts, int prompts, long tokens, long abandoned,
                           double ceStar, double ceStarUpper, double meanLength, double meanEntropyRate,
                           double genPpl, double branchingFactor, double truncationRate,
                           Correlations.Coefficients lengthEntropyRate, double[] pearsonInterval,
                           Correlations.Coefficients allRollouts, double[] allPearsonInterval,
                           double lengthDriven, double coupling,
                           long exactSteps, long topkSteps, long surprisalSteps,
                           boolean sampled, List<PromptMetrics> perPrompt) {

    /** One prompt group's metrics. */
    public record PromptMetrics(String promptId, long rollouts, double ceStar, double ceStarUpper,
                                double meanLength, double meanEntropyRate, double truncationRate,
                                Correlations.Coefficients coefficients) {
    }

    public static GroupMetrics of(GroupKey key, GroupAccumulator acc) {
        Map<String, PromptAccumulator> prompts = acc.prompts();
        int p = prompts.size();
        List<PromptMetrics> perPrompt = new ArrayList<>(p);
        PromptPool pool = new PromptPool(p);
        boolean sampled = acc.sampledOutPrompts() > 0 || !acc.allRollouts().exactPairs();
        for (Map.Entry<String, PromptAccumulator> e : prompts.entrySet()) {
            PromptAccumulator a = e.getValue();
            Correlations.Coefficients c = a.coefficients();
            sampled |= !a.exactPairs();
            perPrompt.add(new PromptMetrics(e.getKey(), a.rollouts(), a.ceStar(), a.ceStarUpper(), a.meanLength(),
                    a.meanEntropyRate(), a.truncationRate(), c));
            pool.add(a.rollouts(), a.ceStar(), a.ceStarUpper(), a.meanLength(), a.meanEntropyRate(), a.truncationRate(),
                    c.pearson(), c.spearman(), c.kendall(), c.covariance());
        }
        PromptPool.Pooled pooled = pool.pooled();
        double[] pooledInterval = Pooling.fisherInterval(pooled.lengthEntropyRate().pearson(), pooled.pearsonFisherWeight());
        Correlations.Coefficients all = acc.allRollouts().coefficients();
        double[] allInterval = Pooling.fisherInterval(all.pearson(), acc.rollouts() - 3.0);
        return new GroupMetrics(key, acc.rollouts(), p, acc.tokens(), acc.abandoned(), pooled.ceStar(),
                pooled.ceStarUpper(), pooled.meanLength(), pooled.meanEntropyRate(), pooled.genPpl(),
                pooled.branchingFactor(), pooled.truncationRate(), pooled.lengthEntropyRate(), pooledInterval,
                all, allInterval, pooled.lengthDriven(), pooled.coupling(),
                acc.steps(Estimator.EXACT), acc.steps(Estimator.TOPK), acc.steps(Estimator.SURPRISAL),
                sampled, perPrompt);
    }
}
