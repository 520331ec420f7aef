package dev.canopy.core.stats;

/** A deployed model and release: the monitoring key. */
public record GroupKey(String model, String release) implements Comparable<GroupKey> {

    @Override
    public int compareTo(GroupKey o) {
        int c = model.compareTo(o.model);
        return c != 0 ? c : release.compareTo(o.release);
    }

    @Override
    public String toString() {
        return model + "@" + release;
    }
}
