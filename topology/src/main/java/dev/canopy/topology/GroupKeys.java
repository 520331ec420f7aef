package dev.canopy.topology;

import dev.canopy.core.stats.GroupKey;

/** String keys of the stores: "model\0release", optionally followed by "\0" and a 16-digit hex time. */
final class GroupKeys {

    static final char SEP = '\u0000';

    private GroupKeys() {
    }

    static String of(String model, String release) {
        return model + SEP + release;
    }

    static String of(GroupKey key) {
        return of(key.model(), key.release());
    }

    static GroupKey parse(String key) {
        int i = key.indexOf(SEP);
        int j = key.indexOf(SEP, i + 1);
        return new GroupKey(key.substring(0, i), j < 0 ? key.substring(i + 1) : key.substring(i + 1, j));
    }

    /** A key whose lexicographic order is time order within the group. */
    static String timed(String group, long time) {
        return group + SEP + String.format("%016x", time);
    }

    /** The group part ("model\0release") of a timed key. */
    static String group(String timedKey) {
        return timedKey.substring(0, timedKey.lastIndexOf(SEP));
    }

    static long time(String timedKey) {
        return Long.parseUnsignedLong(timedKey.substring(timedKey.lastIndexOf(SEP) + 1), 16);
    }

    /** The first and last possible timed keys of a group, for range scans. */
    static String timedFrom(String group, long time) {
        return timed(group, time);
    }

    static String timedTo(String group) {
        return group + SEP + "g";
    }
}
