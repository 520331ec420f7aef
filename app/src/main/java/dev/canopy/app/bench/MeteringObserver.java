package dev.canopy.app.bench;

import dev.canopy.topology.TopologyObserver;

import java.util.ArrayList;
import java.util.List;

/** What a benchmarked topology reports, metered: records read, rollouts measured, rollouts embedded and each embedding's time. */
final class MeteringObserver implements TopologyObserver {

    final Meter read = new Meter();
    final Meter measured = new Meter();
    final Meter embedded = new Meter();
    private final List<Double> embedSeconds = new ArrayList<>();

    @Override
    public void eventRead() {
        read.record();
    }

    @Override
    public void rolloutMeasured(String model, String release, long lagMillis) {
        measured.record();
    }

    @Override
    public void rolloutEmbedded(double seconds) {
        embedded.record();
        synchronized (embedSeconds) {
            embedSeconds.add(seconds);
        }
    }

    /** Each embedding's time on the stream thread so far, in seconds. */
    double[] embedSeconds() {
        synchronized (embedSeconds) {
            return embedSeconds.stream().mapToDouble(Double::doubleValue).toArray();
        }
    }
}
