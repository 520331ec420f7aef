package dev.canopy.connectors.proxy;

import java.util.Locale;
import java.util.Objects;

/**
 * Where the proxy takes the {@code model} label of the events from.
 *
 * <ul>
 *   <li>{@code request}: the request body's {@code "model"} field (what the client asked for, e.g.
 *       {@code gpt-4o}, not the dated snapshot the server answers with);</li>
 *   <li>{@code header:NAME}: the value of request header NAME (e.g. set by a gateway);</li>
 *   <li>{@code fixed:NAME}: always NAME.</li>
 * </ul>
 * A request for which the source yields nothing (no field, no header) is relayed but produces no events
 * (counted as uninstrumented, reason {@code no_model}).
 */
public record ModelSource(Kind kind, String value) {

    public enum Kind { REQUEST, HEADER, FIXED }

    public ModelSource {
        Objects.requireNonNull(kind, "kind");
        if (kind != Kind.REQUEST && (value == null || value.isBlank())) {
            throw new IllegalArgumentException("model source " + kind.name().toLowerCase(Locale.ROOT) + " needs a name");
        }
    }

    public static ModelSource request() {
        return new ModelSource(Kind.REQUEST, null);
    }

    public static ModelSource header(String name) {
        return new ModelSource(Kind.HEADER, name);
    }

    public static ModelSource fixed(String name) {
        return new ModelSource(Kind.FIXED, name);
    }

    /** Parses {@code request}, {@code header:NAME} or {@code fixed:NAME}. */
    public static ModelSource parse(String spec) {
        if (spec == null) {
            throw new IllegalArgumentException("model source must be request, header:NAME or fixed:NAME");
        }
        String s = spec.trim();
        if (s.equalsIgnoreCase("request")) {
            return request();
        }
        int colon = s.indexOf(':');
        if (colon > 0) {
            String kind = s.substring(0, colon).toLowerCase(Locale.ROOT);
            String name = s.substring(colon + 1).trim();
            if (!name.isEmpty()) {
                if (kind.equals("header")) {
                    return header(name);
                }
                if (kind.equals("fixed")) {
                    return fixed(name);
                }
            }
        }
        throw new IllegalArgumentException("model source must be request, header:NAME or fixed:NAME, got '" + spec + "'");
    }

    @Override
    public String toString() {
        return switch (kind) {
            case REQUEST -> "request";
            case HEADER -> "header:" + value;
            case FIXED -> "fixed:" + value;
        };
    }
}
