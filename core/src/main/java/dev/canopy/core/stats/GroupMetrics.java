package dev.canopy.core.stats;

import dev.canopy.core.events.Estimator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The metrics of one model and release, computed from its {@link GroupAccumulator} exactly as
 * METRICS.md defines them. Undefined values are NaN (null in JSON).
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
        double[] pearson = new double[p];
        double[] spearman = new double[p];
        double[] kendall = new double[p];
        double[] covariance = new double[p];
        long[] n = new long[p];
        double ce = 0;
        double ceUpper = 0;
        double length = 0;
        double rate = 0;
        double truncation = 0;
        boolean sampled = acc.sampledOutPrompts() > 0 || !acc.allRollouts().exactPairs();
        int i = 0;
        for (Map.Entry<String, PromptAccumulator> e : prompts.entrySet()) {
            PromptAccumulator a = e.getValue();
            Correlations.Coefficients c = a.coefficients();
            sampled |= !a.exactPairs();
            perPrompt.add(new PromptMetrics(e.getKey(), a.rollouts(), a.ceStar(), a.ceStarUpper(), a.meanLength(),
                    a.meanEntropyRate(), a.truncationRate(), c));
            pearson[i] = c.pearson();
            spearman[i] = c.spearman();
            kendall[i] = c.kendall();
            covariance[i] = c.covariance();
            n[i] = a.rollouts();
            ce += a.ceStar();
            ceUpper += a.ceStarUpper();
            length += a.meanLength();
            rate += a.meanEntropyRate();
            truncation += a.truncationRate();
            i++;
        }
        double ceStar = p == 0 ? Double.NaN : ce / p;
        double ceStarUpper = p == 0 ? Double.NaN : ceUpper / p;
        double meanLength = p == 0 ? Double.NaN : length / p;
        double meanRate = p == 0 ? Double.NaN : rate / p;
        double truncationRate = p == 0 ? Double.NaN : truncation / p;
        double pooledPearson = Pooling.fisherZ(pearson, n);
        Correlations.Coefficients pooled = new Correlations.Coefficients(pooledPearson,
                Pooling.fisherZ(spearman, n), Pooling.kendall(kendall, n), Pooling.covariance(covariance, n));
        double[] pooledInterval = Pooling.fisherInterval(pooledPearson, Pooling.fisherWeight(pearson, n));
        Correlations.Coefficients all = acc.allRollouts().coefficients();
        double[] allInterval = Pooling.fisherInterval(all.pearson(), acc.rollouts() - 3.0);
        double lengthDriven = meanLength * meanRate;
        return new GroupMetrics(key, acc.rollouts(), p, acc.tokens(), acc.abandoned(), ceStar, ceStarUpper,
                meanLength, meanRate, Math.exp(ceStar / meanLength), Math.exp(meanRate), truncationRate,
                pooled, pooledInterval, all, allInterval, lengthDriven, ceStar - lengthDriven,
                acc.steps(Estimator.EXACT), acc.steps(Estimator.TOPK), acc.steps(Estimator.SURPRISAL),
                sampled, perPrompt);
    }
}
