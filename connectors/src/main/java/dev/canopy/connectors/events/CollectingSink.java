package dev.canopy.connectors.events;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps everything in memory, in arrival order: for converting recorded payloads to JSONL, and for
 * tests. Thread-safe.
 */
public final class CollectingSink implements TokenEventSink {

    /** One published record. */
    public record Record(String key, byte[] value) {
        public String json() {
            return new String(value, StandardCharsets.UTF_8);
        }
    }

    private final List<Record> records = new ArrayList<>();
    private final List<Rejection> rejections = new ArrayList<>();

    @Override
    public synchronized void publish(String rolloutId, byte[] record) {
        records.add(new Record(rolloutId, record));
    }

    @Override
    public synchronized void reject(Rejection rejection) {
        rejections.add(rejection);
    }

    public synchronized List<Record> records() {
        return Collections.unmodifiableList(new ArrayList<>(records));
    }

    public synchronized List<Rejection> rejections() {
        return Collections.unmodifiableList(new ArrayList<>(rejections));
    }

    public synchronized Map<Rejection.Reason, Integer> rejectionCounts() {
        Map<Rejection.Reason, Integer> m = new EnumMap<>(Rejection.Reason.class);
        for (Rejection r : rejections) {
            m.merge(r.reason(), 1, Integer::sum);
        }
        return m;
    }

    /** The records as JSONL, one per line. */
    public synchronized String jsonLines() {
        StringBuilder sb = new StringBuilder();
        for (Record r : records) {
            sb.append(r.json()).append('\n');
        }
        return sb.toString();
    }
}
