package dev.canopy.connectors.proxy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The proxy's JVM-wide HTTP settings are applied when a proxy starts, not when its class loads. */
class JdkHttpSettingsTest {

    /** The system properties before the test, put back after it: the test changes JVM-wide ones. */
    private final Properties saved = (Properties) System.getProperties().clone();

    @BeforeEach
    void clear() {
        for (String key : LogprobProxy.JDK_HTTP_SETTINGS.keySet()) {
            System.clearProperty(key);
        }
    }

    @AfterEach
    void restore() {
        System.setProperties(saved);
    }

    @Test
    void loadingTheClassLeavesSystemPropertiesAlone() throws Exception {
        // A class loader of its own, so the class is initialised here even if another test used it.
        String[] entries = System.getProperty("java.class.path").split(File.pathSeparator);
        URL[] urls = new URL[entries.length];
        for (int i = 0; i < entries.length; i++) {
            urls[i] = new File(entries[i]).toURI().toURL();
        }
        try (URLClassLoader fresh = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader())) {
            Class<?> c = Class.forName(LogprobProxy.class.getName(), true, fresh);
            assertEquals(fresh, c.getClassLoader());
        }
        for (String key : LogprobProxy.JDK_HTTP_SETTINGS.keySet()) {
            assertNull(System.getProperty(key), key);
        }
    }

    @Test
    void tuningSetsUnsetKeysAndKeepsAnOperatorsChoice() {
        System.setProperty("jdk.httpclient.keepalive.timeout", "30");
        LogprobProxy.tuneJdkHttp();
        assertEquals("true", System.getProperty("sun.net.httpserver.nodelay"));
        assertEquals("30", System.getProperty("jdk.httpclient.keepalive.timeout"));
    }
}
