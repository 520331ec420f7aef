package dev.canopy.topology;

import dev.canopy.core.config.CanopyConfig;
import dev.canopy.core.replay.ReplayEngine;
import dev.canopy.core.shift.ShiftDetector;

import java.time.Duration;
import java.util.Objects;

/**
 * The monitor's settings, validated once. Every field has a documented default and a configuration
 * key in {@link CanopyConfig} (see docs/configuration.md), whose rules the constructor checks.
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
        CanopyConfig.IDLE_TIMEOUT.check(idleTimeout);
        CanopyConfig.WINDOW_SIZE.check(windowSize);
        CanopyConfig.WINDOW_ADVANCE.check(windowAdvance);
        CanopyConfig.WINDOW_GRACE.check(windowGrace);
        CanopyConfig.WINDOW_KEPT.check(windowsKept);
        if (windowSize.toMillis() % windowAdvance.toMillis() != 0) {
            throw new IllegalArgumentException(CanopyConfig.WINDOW_SIZE.name() + " (" + windowSize
                    + ") must be a whole multiple of " + CanopyConfig.WINDOW_ADVANCE.name() + " (" + windowAdvance
                    + "): change one of them");
        }
        Objects.requireNonNull(semantic, "semantic");
    }

    public static MonitorConfig defaults() {
        return new MonitorConfig(Topics.defaults(), ReplayEngine.Options.defaults(),
                CanopyConfig.IDLE_TIMEOUT.defaultValue(), CanopyConfig.WINDOW_SIZE.defaultValue(),
                CanopyConfig.WINDOW_ADVANCE.defaultValue(), CanopyConfig.WINDOW_GRACE.defaultValue(),
                CanopyConfig.WINDOW_KEPT.defaultValue(), ShiftDetector.Settings.defaults(), SemanticSettings.disabled());
    }

    /** The same settings with other semantic settings. */
    public MonitorConfig withSemantic(SemanticSettings s) {
        return new MonitorConfig(topics, statistics, idleTimeout, windowSize, windowAdvance, windowGrace, windowsKept, shift, s);
    }
}
