package dev.canopy.core.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one definition of a configuration key: its name, type, default, the values it accepts, what
 * to write instead of a bad one, and its documentation. The monitor's settings, the constructors that
 * check their arguments and the generated reference (docs/configuration.md) all read the same
 * definition, so a key's name, default and rule are written once.
 *
 * <p>A bad value is an {@link InvalidValue} that names the key, the value and the fix.
 *
 * @param <T> the type of the parsed value
 */
public final class ConfigKey<T> {

    private static final String DURATION_FORMS = "500ms, 30s, 10m, 1h, 7d or ISO-8601 (PT10M)";
    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private final String name;
    private final Type type;
    private final ConfigGroup group;
    private final String defaultText;
    private final String doc;
    private final Function<String, T> parser;
    private final String parseFix;
    private final Predicate<T> valid;
    private final String validValues;
    private final String fix;

    /**
     * @param defaultText the default as a user would write it; empty when the key has none
     * @param parseFix    what to write instead of text the parser rejects
     * @param validValues the accepted values, as the reference lists them
     * @param fix         what to write instead of a parsed value that {@code valid} rejects
     */
    private ConfigKey(String name, Type type, ConfigGroup group, String defaultText, String doc,
                      Function<String, T> parser, String parseFix, Predicate<T> valid, String validValues, String fix) {
        this.name = Objects.requireNonNull(name);
        this.type = Objects.requireNonNull(type);
        this.group = Objects.requireNonNull(group);
        this.defaultText = Objects.requireNonNull(defaultText);
        this.doc = Objects.requireNonNull(doc);
        this.parser = parser;
        this.parseFix = parseFix;
        this.valid = valid;
        this.validValues = validValues;
        this.fix = fix;
        if (!defaultText.isEmpty()) {
            parse(defaultText); // a definition whose default breaks its own rule fails at class initialisation
        }
    }

    /** A text key that accepts any value. */
    public static ConfigKey<String> string(String name, ConfigGroup group, String defaultValue, String doc) {
        return new ConfigKey<>(name, Type.STRING, group, defaultValue, doc, Function.identity(), null,
                s -> true, "any", "give a value");
    }

    /**
     * A text key whose value must match {@code pattern} (whole).
     *
     * @param validValues the rule in words, for the reference and the fix
     */
    public static ConfigKey<String> matching(String name, ConfigGroup group, String defaultValue, String pattern,
                                             String validValues, String doc) {
        Pattern p = Pattern.compile(pattern);
        return new ConfigKey<>(name, Type.STRING, group, defaultValue, doc, Function.identity(), null,
                s -> p.matcher(s).matches(), validValues, "use " + validValues);
    }

    /** A text key that takes one of a few values. */
    public static ConfigKey<String> oneOf(String name, ConfigGroup group, String defaultValue, List<String> values,
                                          String doc) {
        String listed = String.join(" or ", values);
        return new ConfigKey<>(name, Type.STRING, group, defaultValue, doc, Function.identity(), null,
                values::contains, listed, "use " + listed);
    }

    /** A whole number from {@code min} to {@code max} (inclusive; {@link Integer#MAX_VALUE}: no upper bound). */
    public static ConfigKey<Integer> integer(String name, ConfigGroup group, int defaultValue, int min, int max,
                                             String doc) {
        boolean unbounded = max == Integer.MAX_VALUE;
        String range = unbounded ? "of at least " + min : "from " + min + " to " + max;
        String fix = "use a whole number " + range;
        return new ConfigKey<>(name, Type.INT, group, Integer.toString(defaultValue), doc, Integer::valueOf, fix,
                i -> i >= min && i <= max, unbounded ? "≥ " + min : min + " … " + max, fix);
    }

    /** A whole number with a rule that is not a single range. */
    public static ConfigKey<Integer> integer(String name, ConfigGroup group, int defaultValue, Predicate<Integer> valid,
                                             String validValues, String fix, String doc) {
        return new ConfigKey<>(name, Type.INT, group, Integer.toString(defaultValue), doc, Integer::valueOf,
                "use a whole number: " + fix, valid, validValues, fix);
    }

    /** A finite number greater than zero. */
    public static ConfigKey<Double> positive(String name, ConfigGroup group, String defaultValue, String doc) {
        String fix = "use a positive number, such as " + defaultValue;
        return new ConfigKey<>(name, Type.DOUBLE, group, defaultValue, doc, Double::valueOf, fix,
                d -> d > 0 && !d.isInfinite(), "> 0", fix);
    }

    /** A number strictly between {@code low} and {@code high}. */
    public static ConfigKey<Double> between(String name, ConfigGroup group, String defaultValue, double low,
                                            double high, String doc) {
        String fix = "use a number between " + plain(low) + " and " + plain(high) + " (exclusive), such as " + defaultValue;
        return new ConfigKey<>(name, Type.DOUBLE, group, defaultValue, doc, Double::valueOf, fix,
                d -> d > low && d < high, "(" + plain(low) + ", " + plain(high) + ")", fix);
    }

    /** {@code true} or {@code false}, in any case. */
    public static ConfigKey<Boolean> bool(String name, ConfigGroup group, boolean defaultValue, String doc) {
        return new ConfigKey<>(name, Type.BOOLEAN, group, Boolean.toString(defaultValue), doc, ConfigKey::parseBoolean,
                "use true or false", b -> true, "true, false", "use true or false");
    }

    /** A duration greater than zero. */
    public static ConfigKey<Duration> positiveDuration(String name, ConfigGroup group, String defaultValue, String doc) {
        return new ConfigKey<>(name, Type.DURATION, group, defaultValue, doc, ConfigKey::parseDuration,
                "use a duration such as " + DURATION_FORMS, d -> !d.isZero() && !d.isNegative(), "> 0",
                "use a positive duration such as " + DURATION_FORMS);
    }

    /** A duration that is zero or more. */
    public static ConfigKey<Duration> duration(String name, ConfigGroup group, String defaultValue, String doc) {
        return new ConfigKey<>(name, Type.DURATION, group, defaultValue, doc, ConfigKey::parseDuration,
                "use a duration such as " + DURATION_FORMS, d -> !d.isNegative(), "≥ 0",
                "use a duration that is not negative, such as " + DURATION_FORMS);
    }

    /** A duration from {@code min} to {@code max} (inclusive). */
    public static ConfigKey<Duration> duration(String name, ConfigGroup group, String defaultValue, Duration min,
                                               Duration max, String doc) {
        String range = "from " + min.toMillis() + "ms to " + max.toSeconds() + "s";
        return new ConfigKey<>(name, Type.DURATION, group, defaultValue, doc, ConfigKey::parseDuration,
                "use a duration " + range, d -> d.compareTo(min) >= 0 && d.compareTo(max) <= 0,
                min.toMillis() + "ms … " + max.toSeconds() + "s", "use a duration " + range);
    }

    /** A bound as people write it: 1 rather than 1.0. */
    private static String plain(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    private static Boolean parseBoolean(String s) {
        String v = s.toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException(s);
        }
        return Boolean.valueOf(v);
    }

    /**
     * Parses a duration as users write it: 500ms, 30s, 10m, 1h, 7d, or ISO-8601 (PT10M).
     *
     * @throws IllegalArgumentException if the text is neither
     */
    public static Duration parseDuration(String text) {
        String t = text.trim();
        Matcher m = SIMPLE_DURATION.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(t);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is not a duration: use e.g. " + DURATION_FORMS, e);
        }
    }

    /**
     * Parses and checks a value as written (surrounding blanks ignored).
     *
     * @throws InvalidValue if the text does not parse or the value breaks the key's rule
     */
    public T parse(String text) {
        T value;
        try {
            value = parser.apply(text.trim());
        } catch (RuntimeException e) {
            throw new InvalidValue(name, text, parseFix);
        }
        return check(value, text);
    }

    /** The default value, or null when the key has none. */
    public T defaultValue() {
        return defaultText.isEmpty() ? null : parse(defaultText);
    }

    /**
     * Checks a value given in code (a constructor argument) against the key's rule.
     *
     * @return the value
     * @throws InvalidValue if it breaks the rule
     */
    public T check(T value) {
        return check(value, String.valueOf(value));
    }

    private T check(T value, String text) {
        if (value == null || !valid.test(value)) {
            throw new InvalidValue(name, text, fix);
        }
        return value;
    }

    public String name() {
        return name;
    }

    public Type type() {
        return type;
    }

    public ConfigGroup group() {
        return group;
    }

    /** The default as written in the reference; empty when the key has none. */
    public String defaultText() {
        return defaultText;
    }

    public String doc() {
        return doc;
    }

    /** The accepted values in words, as the reference lists them. */
    public String validValues() {
        return validValues;
    }

    /** The environment variable of the key: {@code canopy.window.size} is {@code CANOPY_WINDOW_SIZE}. */
    public String envName() {
        return name.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    @Override
    public String toString() {
        return name;
    }

    /** A value a key does not accept: names the key and the value, and says what to write instead. */
    public static final class InvalidValue extends IllegalArgumentException {

        private final String key;
        private final String value;
        private final String fix;

        InvalidValue(String key, String value, String fix) {
            super("invalid value '" + value + "' for " + key + ": " + fix);
            this.key = key;
            this.value = value;
            this.fix = fix;
        }

        public String key() {
            return key;
        }

        public String value() {
            return value;
        }

        /** What to write instead, such as "use a whole number of at least 1". */
        public String fix() {
            return fix;
        }
    }

    /** The type of a key's value, as the reference names it. */
    public enum Type {
        STRING("string"),
        INT("int"),
        DOUBLE("double"),
        BOOLEAN("boolean"),
        DURATION("duration");

        private final String label;

        Type(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }
}
