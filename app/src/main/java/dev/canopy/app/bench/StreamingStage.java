package dev.canopy.app.bench;

import dev.canopy.analysis.cli.Progress;
import dev.canopy.monitor.MonitorSettings;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The streaming stage over one workload: produce it to its input topic, then read it with a plain consumer,
 * {@code kcat -C} (librdkafka, when asked and on the PATH), a stateless pass-through Kafka Streams app and
 * the Canopy topology, one after the other on the same topic, each span added to the results.
 */
final class StreamingStage {

    private StreamingStage() {
    }

    /**
     * Runs the stage.
     *
     * @param withKcat also read the topic with {@code kcat -C}, the floor a native client sets
     */
    static void run(KafkaThroughput kafka, BenchEvents w, MonitorSettings settings, BenchResults results, PrintStream err,
                    boolean withKcat) throws Exception {
        err.printf(Locale.ROOT, "canopy bench: %s: producing %,d records (%s tokens, %.0f MB)...%n", w.name(), w.records(),
                Progress.count(w.tokens()), w.bytes() / 1e6);
        KafkaThroughput.Span produced;
        try {
            produced = kafka.produce(settings.monitor().topics().tokens(), w);
        } catch (IllegalStateException e) {
            // The embedded broker has been seen to reject a fresh topic's first batch as out of sequence; a new topic is clean.
            err.printf(Locale.ROOT, "canopy bench: %s: %s; producing again to fresh topics%n", w.name(), e.getMessage());
            settings = kafka.settings("bench." + w.name() + "-retry", "canopy-bench-" + w.name() + "-retry");
            produced = kafka.produce(settings.monitor().topics().tokens(), w);
        }
        String topic = settings.monitor().topics().tokens();
        results.stages.add(BenchResults.Stage.of("produce", w.name(), produced));
        err.printf(Locale.ROOT, "canopy bench: %s: raw consumer...%n", w.name());
        results.stages.add(BenchResults.Stage.of("raw consumer", w.name(), kafka.rawConsumer(topic, w)));
        if (withKcat) {
            err.printf(Locale.ROOT, "canopy bench: %s: kcat -C...%n", w.name());
            KafkaThroughput.Span kcat = kafka.kcat(topic, w);
            if (kcat == null) {
                err.printf(Locale.ROOT, "canopy bench: %s: kcat is not on the PATH, skipped%n", w.name());
            } else {
                results.stages.add(BenchResults.Stage.of("kcat -C", w.name(), kcat));
            }
        }
        err.printf(Locale.ROOT, "canopy bench: %s: pass-through Kafka Streams app...%n", w.name());
        results.stages.add(BenchResults.Stage.of("pass-through", w.name(), kafka.passThrough(settings, w)));
        err.printf(Locale.ROOT, "canopy bench: %s: Canopy topology...%n", w.name());
        KafkaThroughput.Span canopy = kafka.canopy(settings, w);
        if (canopy.reprocessed() > 0) {
            err.printf(Locale.ROOT, "canopy bench: %s: the topology read %,d records twice (a task was reset), so its rate is overstated%n",
                    w.name(), canopy.reprocessed());
        }
        results.stages.add(BenchResults.Stage.of("canopy", w.name(), canopy));
    }
}
