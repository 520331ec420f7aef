package dev.canopy.core.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the configuration reference (docs/configuration.md) from {@link CanopyConfig}: one table per
 * {@link ConfigGroup}, one row per key. The file is generated, never edited by hand; a test fails when
 * it is out of date and prints {@link #REGENERATE}.
 */
public final class ConfigReference {

    /** The command that rewrites docs/configuration.md. */
    public static final String REGENERATE =
            "mvn -o -q -B -pl core test -Dtest=ConfigReferenceTest -Dcanopy.write.docs=true";

    private ConfigReference() {
    }

    /** The reference, as Markdown. */
    public static String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Configuration reference\n\n")
                .append("<!-- Generated from dev.canopy.core.config.CanopyConfig; do not edit by hand. To regenerate: ")
                .append(REGENERATE)
                .append(" -->\n\n")
                .append("The monitor (`canopy run`) reads its settings from, lowest precedence first: the defaults below, a properties\n")
                .append("file given with `--config FILE`, environment variables, and command-line flags.\n\n")
                .append("- **Canopy's keys** start with `canopy.`. The environment variable of a key is `CANOPY_` plus the rest of the key\n")
                .append("  in upper case with dots as underscores: `canopy.window.size` is `CANOPY_WINDOW_SIZE`. An unknown `canopy.*`\n")
                .append("  key or `CANOPY_*` variable is an error that lists the known ones.\n")
                .append("- **Kafka client settings** (`security.protocol`, `sasl.*`, `ssl.*`, any producer, consumer, admin or Kafka Streams\n")
                .append("  setting) pass through: as any other key in the properties file, or as a `KAFKA_*` environment variable whose\n")
                .append("  rest, in lower case with underscores as dots, names one (`KAFKA_SECURITY_PROTOCOL` sets `security.protocol`).\n")
                .append("  `KAFKA_*` variables that name no client setting (such as `KAFKA_HEAP_OPTS`) are ignored. Every command that\n")
                .append("  talks to Kafka (`run`, `fleet`, `proxy`, `probe`, `release`) reads `KAFKA_*` variables this same way.\n")
                .append("- **Durations** are written `500ms`, `30s`, `10m`, `1h`, `7d` or in ISO-8601 (`PT10M`).\n")
                .append("- A bad value stops the monitor at start-up with a message that names the key, where the value came from and\n")
                .append("  what to write instead.\n");
        for (ConfigGroup group : ConfigGroup.values()) {
            md.append("\n## ").append(group.title()).append("\n\n")
                    .append(group.summary()).append("\n\n")
                    .append("| Key | Type | Default | Valid values | Description |\n")
                    .append("| --- | --- | --- | --- | --- |\n");
            for (ConfigKey<?> k : CanopyConfig.KEYS) {
                if (k.group() == group) {
                    md.append("| `").append(k.name()).append("` | ")
                            .append(k.type().label()).append(" | ")
                            .append(k.defaultText().isEmpty() ? "(none)" : "`" + k.defaultText() + "`").append(" | ")
                            .append(cell(k.validValues())).append(" | ")
                            .append(cell(k.doc())).append(" |\n");
                }
            }
        }
        return md.toString();
    }

    /** Escapes the one character that would end a Markdown table cell. */
    private static String cell(String text) {
        return text.replace("|", "\\|");
    }

    /** Writes the reference to the given path (default: docs/configuration.md under the working directory). */
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "docs/configuration.md");
        Files.writeString(out, markdown(), StandardCharsets.UTF_8);
        System.err.println("wrote " + out.toAbsolutePath().normalize());
    }
}
