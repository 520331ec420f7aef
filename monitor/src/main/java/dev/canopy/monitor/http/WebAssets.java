package dev.canopy.monitor.http;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The web page's files ({@code index.html}, {@code app.js}, {@code style.css} and the charting library,
 * uPlot), all from the jar. Only the listed paths are served: a path never reaches the file system or
 * the class path.
 */
final class WebAssets {

    private static final String HTML = "text/html; charset=utf-8";
    private static final String SCRIPT = "text/javascript; charset=utf-8";
    private static final String CSS = "text/css; charset=utf-8";

    private record Asset(String resource, String type) {
    }

    private static final Map<String, Asset> ASSETS = assets();

    private final Map<String, byte[]> loaded = new ConcurrentHashMap<>();

    private static Map<String, Asset> assets() {
        Map<String, Asset> a = new LinkedHashMap<>();
        a.put("/", new Asset("web/index.html", HTML));
        a.put("/index.html", new Asset("web/index.html", HTML));
        a.put("/app.js", new Asset("web/app.js", SCRIPT));
        a.put("/style.css", new Asset("web/style.css", CSS));
        String uplot = "META-INF/resources/webjars/uplot/" + webjarVersion("uplot") + "/dist/";
        a.put("/vendor/uPlot.iife.min.js", new Asset(uplot + "uPlot.iife.min.js", SCRIPT));
        a.put("/vendor/uPlot.min.css", new Asset(uplot + "uPlot.min.css", CSS));
        return Map.copyOf(a);
    }

    /** The version of an npm WebJar on the class path, from its Maven metadata. */
    static String webjarVersion(String name) {
        try (InputStream in = WebAssets.class.getClassLoader().getResourceAsStream("META-INF/maven/org.webjars.npm/" + name + "/pom.properties")) {
            if (in == null) {
                throw new IllegalStateException("the WebJar " + name + " is not on the class path");
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code GET /...}: one of the page's files, else 404. */
    void page(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        Asset asset = ASSETS.get(path);
        if (asset == null) {
            HttpApi.error(ex, 404, "not found: the page is at /; the API at /api/v1/report, /api/v1/windows, /api/v1/shifts, /api/v1/releases,"
                    + " /api/v1/series, /api/v1/compare, /metrics, /healthz, /readyz");
            return;
        }
        byte[] body = loaded.computeIfAbsent(asset.resource(), WebAssets::resource);
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        HttpApi.respond(ex, 200, asset.type(), body);
    }

    private static byte[] resource(String name) {
        try (InputStream in = WebAssets.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing from the jar: " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
