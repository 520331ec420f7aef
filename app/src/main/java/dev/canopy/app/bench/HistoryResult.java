package dev.canopy.app.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * What the history stage ({@link HistoryRun}) measured: the history it loaded, the per-token windows
 * before and after it, what each store wrote to its changelog, the monitor's resident set, and the time
 * to recover after an unclean stop. The getters are the stage's part of {@code --json}.
 */
final class HistoryResult {

    long historyRecords;
    long historyTokens;
    long historyRollouts;
    double historySeconds;
    double historyLoadAverage;
    final List<Window> windows = new ArrayList<>();
    final List<Store> stores = new ArrayList<>();
    long peakRssBytes;
    long lastRssBytes;
    final List<Recovery> recoveries = new ArrayList<>();
    String note = "";
    /** The monitor JVMs' options ({@code -Xmx} as the launcher's, or as --monitor-heap set it). */
    String monitorJvmOptions = String.join(" ", MonitorProcess.jvmOptions(MonitorProcess.LAUNCHER_HEAP));

    /**
     * After an unclean stop, seconds from the kill.
     *
     * @param runningSeconds until {@code /readyz} answered 200; NaN when the instance was running already (a standby)
     * @param reportSeconds  until {@code /api/v1/report} was whole and counted every rollout it counted before the kill
     */
    record Recovery(String what, double runningSeconds, double reportSeconds, long reportRollouts) {
    }

    /**
     * One store's writes: bytes (changelogs) and records over the history and over the windows.
     *
     * @param changelog a changelog; else a repartition topic, whose bytes are not counted
     */
    record Store(String store, boolean changelog, long historyBytes, long historyRecords, long windowBytes, long windowRecords) {
    }

    /**
     * One per-token window.
     *
     * @param afterRollouts  completed rollouts on the topic before it
     * @param seconds        from its first record read to its last rollout measured
     * @param changelogBytes what the whole application wrote to its changelogs meanwhile
     * @param emits          the aggregate's emits during the window
     * @param emitSeconds    their seconds in all
     * @param slowEmits      those over 0.55 s, after which the next emit waited past the 5 s period (the emit budget)
     */
    record Window(long afterRollouts, long records, long tokens, long rollouts, double seconds, double recordsPerSecond,
                  double loadAverage, long changelogBytes, long emits, double emitSeconds, long slowEmits) {
    }

    /** The rate after the long history over the rate after the short one; NaN without two windows. */
    double decline() {
        return windows.size() < 2 ? Double.NaN : windows.get(1).recordsPerSecond() / windows.get(0).recordsPerSecond();
    }

    long windowTokens() {
        return windows.stream().mapToLong(Window::tokens).sum();
    }

    long windowRollouts() {
        return windows.stream().mapToLong(Window::rollouts).sum();
    }

    long changelogHistoryBytes() {
        return stores.stream().filter(Store::changelog).mapToLong(Store::historyBytes).sum();
    }

    long changelogWindowBytes() {
        return stores.stream().filter(Store::changelog).mapToLong(Store::windowBytes).sum();
    }

    public long getHistoryRecords() {
        return historyRecords;
    }

    public long getHistoryTokens() {
        return historyTokens;
    }

    public long getHistoryRollouts() {
        return historyRollouts;
    }

    public double getHistorySeconds() {
        return historySeconds;
    }

    public double getHistoryLoadAverage() {
        return historyLoadAverage;
    }

    public List<Window> getWindows() {
        return windows;
    }

    /** The rate after the long history over the rate after the short one; null without two windows. */
    public Double getRateRatio() {
        double d = decline();
        return Double.isNaN(d) ? null : d;
    }

    public List<Store> getStores() {
        return stores;
    }

    public long getPeakRssBytes() {
        return peakRssBytes;
    }

    public long getLastRssBytes() {
        return lastRssBytes;
    }

    public List<Recovery> getRecoveries() {
        return recoveries;
    }

    public String getNote() {
        return note;
    }
}
