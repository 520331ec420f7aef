package dev.canopy.topology;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Orders a model's releases and names each one's baseline: a release's deployment time is its announced
 * {@code deployed_at}, else its first completed rollout; its baseline is its announced baseline, else the
 * release deployed just before it. The model's candidate is its last release. The shift detector and the
 * exported {@code canopy_release_info} use this same rule.
 */
public final class ReleaseLineage {

    /** One release with its deployment time and baseline ("" for the first). */
    public record Release(String release, long deployedAt, String baseline) {
    }

    private ReleaseLineage() {
    }

    /**
     * @param firstSeen  each release of one model with its first completed rollout (epoch ms)
     * @param announced  the announcement of a release, or null
     * @return the releases in deployment order
     */
    public static List<Release> order(Map<String, Long> firstSeen, Function<String, ReleaseRecord> announced) {
        List<Release> out = new ArrayList<>();
        Map<String, String> announcedBaseline = new HashMap<>();
        for (Map.Entry<String, Long> e : firstSeen.entrySet()) {
            ReleaseRecord a = announced.apply(e.getKey());
            boolean isAnnounced = a != null && a.announced();
            long deployed = isAnnounced && a.deployedAt() >= 0 ? a.deployedAt() : e.getValue();
            out.add(new Release(e.getKey(), deployed, ""));
            if (isAnnounced && a.baselineRelease() != null) {
                announcedBaseline.put(e.getKey(), a.baselineRelease());
            }
        }
        out.sort(Comparator.comparingLong(Release::deployedAt).thenComparing(Release::release));
        List<Release> withBaselines = new ArrayList<>(out.size());
        for (int i = 0; i < out.size(); i++) {
            Release r = out.get(i);
            String baseline = announcedBaseline.getOrDefault(r.release(), i == 0 ? "" : out.get(i - 1).release());
            withBaselines.add(new Release(r.release(), r.deployedAt(), baseline));
        }
        return withBaselines;
    }
}
