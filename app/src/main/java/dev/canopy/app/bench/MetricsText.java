package dev.canopy.app.bench;

/** Reads a figure out of the Prometheus text format that the monitor's {@code /metrics} serves. */
final class MetricsText {

    private MetricsText() {
    }

    /**
     * The sum of every sample of the metric {@code name}, over all its label sets ({@code name 3},
     * {@code name{release="a"} 2}); 0 when there is none. Metrics whose name merely starts with
     * {@code name} are not counted.
     */
    static double sum(String text, String name) {
        return sum(text, name, null);
    }

    /** The same, over the samples whose label set is exactly {@code labels} (as written, e.g. {@code le="0.55"}) when given. */
    static double sum(String text, String name, String labels) {
        double sum = 0;
        for (String line : text.split("\n")) {
            if (!line.startsWith(name) || line.length() == name.length()) {
                continue;
            }
            char next = line.charAt(name.length());
            if (next != ' ' && next != '{') {
                continue;
            }
            int end = next == '{' ? line.indexOf('}', name.length()) : name.length();
            if (end < 0 || (labels != null && !(next == '{' && line.substring(name.length() + 1, end).equals(labels)))) {
                continue;
            }
            String[] rest = line.substring(end + 1).trim().split("\\s+");
            try {
                sum += Double.parseDouble(rest[0]);
            } catch (NumberFormatException ignored) {
                // a malformed sample adds nothing
            }
        }
        return sum;
    }
}
