package dev.canopy.topology;

import dev.canopy.core.replay.ReplayEngine;

import dev.canopy.core.shift.ShiftDetector;

import java.time.Duration;

/**
 * The monitor's settings, validated once. Every field has a documented default and a configuration
 * key (see {@code canopy run --help} and the README's configuration reference).
 *
 * @param topics          topic names
 * @param statistics      vocabulary size, pair capacity, prompt cap (as {@code canopy replay})
 * @param idleTimeout     an incomplete rollout with no new token for this long is abandoned
 * @param windowSize      rolling window length, by rollout completion time
 * @param windowAdvance   how often a window is emitted, and the slice width
 * @param windowGrace     how late a rollout may complete and still enter its windows
 * @param windowsKept     windows kept per model and release for {@code /api/v1/windows}
 * @param shift           the release shift detector's settings
 * @param semantic        semantic diversity (off by default)
 */
public record MonitorConfig(Topics topics, ReplayEngine.Options statistics, Duration idleTimeout,
                            Duration windowSize, Duration windowAdvance, Duration windowGrace, int windowsKept,
                            ShiftDetector.Settings shift, SemanticSettings semantic) {

    public MonitorConfig {
        requirePositive(idleTimeout, "canopy.idle.timeout");
        requirePositive(windowSize, "canopy.window.size");
        requirePositive(windowAdvance, "canopy.window.advance");
        if (windowGrace.isNegative()) {
            throw new IllegalArgumentException("canopy.window.grace must not be negative, got " + windowGrace);
        }
        if (windowSize.toMillis() % windowAdvance.toMillis() != 0) {
            throw new IllegalArgumentException("canopy.window.size (" + windowSize + ") must be a whole multiple of canopy.window.advance ("
                    + windowAdvance + ")");
        }
        java.util.Objects.requireNonNull(semantic, "semantic");
        if (windowsKept < 1) {
            throw new IllegalArgumentException("canopy.window.kept must be at least 1, got " + windowsKept);
        }
    }

    public static MonitorConfig defaults() {
        return new MonitorConfig(Topics.defaults(), ReplayEngine.Options.defaults(), Duration.ofMinutes(10),
                Duration.ofHours(1), Duration.ofMinutes(1), Duration.ofMinutes(5), 60, ShiftDetector.Settings.defaults(), SemanticSettings.disabled());
    }

    /** The same settings with other semantic settings. */
    public MonitorConfig withSemantic(SemanticSettings s) {
        return new MonitorConfig(topics, statistics, idleTimeout, windowSize, windowAdvance, windowGrace, windowsKept, shift, s);
    }

    private static void requirePositive(Duration d, String key) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(key + " must be a positive duration, got " + d);
        }
    }
}
