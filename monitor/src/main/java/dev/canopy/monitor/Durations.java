package dev.canopy.monitor;

import dev.canopy.core.config.ConfigKey;

import java.time.Duration;

/** Parses durations as users write them: 500ms, 30s, 10m, 1h, 7d, or ISO-8601 (PT10M). */
public final class Durations {

    private Durations() {
    }

    /** The same reading as configuration keys ({@link ConfigKey#parseDuration}). */
    public static Duration parse(String text) {
        return ConfigKey.parseDuration(text);
    }

    /** A picocli converter, so flags read durations the same way. */
    public static final class Converter implements picocli.CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return parse(value);
            } catch (RuntimeException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a duration: use e.g. 30s, 10m, 1h or PT10M");
            }
        }
    }
}
