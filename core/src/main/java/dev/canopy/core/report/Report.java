package dev.canopy.core.report;

import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.core.stats.GroupMetrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The monitor's report: rejections by reason and the metrics of every model and release, groups in
 * model-then-release order. {@code canopy replay} and the streaming API's {@code /api/v1/report}
 * produce this same structure.
 */
public record Report(long rejected, long abandoned, SortedMap<String, Long> rejectedByReason,
                     List<GroupMetrics> groups) {

    public static Report of(Map<String, Long> rejectedByReason, Map<GroupKey, GroupAccumulator> groups) {
        TreeMap<String, Long> reasons = new TreeMap<>(rejectedByReason);
        long rejected = reasons.values().stream().mapToLong(Long::longValue).sum();
        List<GroupMetrics> metrics = new ArrayList<>();
        long abandoned = 0;
        for (Map.Entry<GroupKey, GroupAccumulator> e : new TreeMap<>(groups).entrySet()) {
            abandoned += e.getValue().abandoned();
            metrics.add(GroupMetrics.of(e.getKey(), e.getValue()));
        }
        return new Report(rejected, abandoned, reasons, metrics);
    }
}
