package dev.canopy.monitor.query;

import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.report.ReportJson;
import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.topology.ReleaseLineage;
import dev.canopy.topology.StoreNames;
import dev.canopy.topology.StoreReports;
import dev.canopy.topology.WindowValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fan-out over instances: this one's stores, a second instance that answers (its own query service,
 * in memory) and, where a test adds it, a third that does not.
 */
class QueryServiceTest {

    private static final HostInfo SECOND = new HostInfo("10.0.0.2", 9400);
    private static final HostInfo THIRD = new HostInfo("10.0.0.3", 9400);
    private static final GroupKey V1 = new GroupKey("m", "v1");
    private static final GroupKey V2 = new GroupKey("m", "v2");

    private final InMemoryLocalStores mine = new InMemoryLocalStores();
    private final InMemoryLocalStores theirs = new InMemoryLocalStores();
    private final FixedMetadata metadata = new FixedMetadata();
    private final InMemoryPeers peers = new InMemoryPeers();
    private final QueryService queries = new QueryService(mine, metadata, peers, false);

    @BeforeEach
    void twoInstances() {
        QueryService second = new QueryService(theirs, new FixedMetadata(), new InMemoryPeers(), false);
        peers.answering.put(SECOND, path -> switch (path) {
            case QueryService.PARTIAL_PATH -> second.localPartial();
            case QueryService.SHIFTS_PATH -> second.localShifts();
            default -> throw new AssertionError("asked for " + path);
        });
        metadata.others.add(new PeerClient.Peer(SECOND, List.of("tokens-1")));
        mine.groups.put(V1, rollouts("v1", 5, 1_000));
        mine.rejections.put("not_json", 2L);
        theirs.groups.put(V1, rollouts("v1", 7, 2_000));
        theirs.groups.put(V2, rollouts("v2", 3, 90_000));
        theirs.rejections.put("not_json", 1L);
        theirs.rejections.put("too_long", 4L);
    }

    private static GroupAccumulator rollouts(String release, int n, long from) {
        GroupAccumulator acc = new GroupAccumulator();
        for (int i = 0; i < n; i++) {
            int length = 10 + 3 * i;
            double rate = 2.0 + 0.1 * (i % 4);
            acc.add(new CompletedRollout("m", release, release + "-" + from + "-" + i, "p" + (i % 2), length, rate * length, rate * length,
                    "stop", length, 0, 0, from + i, false));
        }
        return acc;
    }

    /** What one instance holding every partition would report. */
    private StoreReports.Partial together() {
        StoreReports.Partial all = StoreReports.Partial.empty();
        all.merge(mine.partial());
        all.merge(theirs.partial());
        return all;
    }

    @Test
    void shouldReportTheMergedStateOfEveryInstance() throws Exception {
        QueryService.Answer<StoreReports.Partial> state = queries.state();
        assertFalse(state.partial());
        assertEquals(12, state.value().groups().get(V1).rollouts(), "5 here and 7 on the second instance");
        assertEquals(3, state.value().groups().get(V2).rollouts());
        assertEquals(3L, state.value().rejections().get("not_json"));
        assertEquals(ReportJson.toJson(together().report()), ReportJson.toJson(queries.report()));
        assertEquals(List.of(SECOND + QueryService.PARTIAL_PATH, SECOND + QueryService.PARTIAL_PATH), peers.asked);
        assertEquals(5, mine.partial().groups().get(V1).rollouts(), "merging leaves this instance's stores as they were");
    }

    @Test
    void shouldNameTheInstanceThatGaveNoPartAndKeepTheRest() throws Exception {
        metadata.others.add(new PeerClient.Peer(THIRD, List.of("tokens-0", "tokens-2")));

        QueryService.Answer<StoreReports.Partial> state = queries.state();
        assertTrue(state.partial());
        assertEquals(1, state.missing().size());
        PeerClient.Missing missing = state.missing().get(0);
        assertEquals("10.0.0.3:9400", missing.instance());
        assertEquals(List.of("tokens-0", "tokens-2"), missing.partitions());
        assertTrue(missing.reason().contains("10.0.0.3:9400"), missing.reason());
        assertEquals(12, state.value().groups().get(V1).rollouts(), "the parts that did come are merged");

        PeerClient.UnavailableException e = assertThrows(PeerClient.UnavailableException.class, queries::report,
                "the report answers only whole (the HTTP API answers partial reports itself)");
        assertEquals(missing.reason(), e.getMessage());

        QueryService.Overview overview = queries.overview();
        assertEquals(state.missing(), overview.missing());
    }

    @Test
    void shouldAskNoOtherInstanceWhenItsOwnStoresCannotBeRead() {
        mine.queryable(false);
        assertThrows(InvalidStateStoreException.class, queries::state);
        assertThrows(InvalidStateStoreException.class, queries::shifts);
        assertTrue(peers.asked.isEmpty(), peers.asked.toString());
    }

    @Test
    void shouldGiveTheLineageOfReleasesSeenOnlyByAnotherInstance() throws Exception {
        QueryService.Overview overview = queries.overview();
        ReleaseLineage.Release v2 = overview.lineage().get(V2);
        assertEquals("v1", v2.baseline(), "v2, held by the second instance, follows v1 held by both");
        assertEquals(90_000L, v2.deployedAt());
        assertEquals(1_000L, overview.lineage().get(V1).deployedAt(), "v1 was first seen here, before the second instance saw it");
    }

    @Test
    void shouldGatherEveryInstancesVerdictsAsJsonLines() throws Exception {
        mine.shifts.add("{\"model\":\"m\",\"metric\":\"a\"}".getBytes(StandardCharsets.UTF_8));
        theirs.shifts.add("{\"model\":\"m\",\"metric\":\"b\"}".getBytes(StandardCharsets.UTF_8));
        theirs.shifts.add("{\"model\":\"m\",\"metric\":\"c\"}".getBytes(StandardCharsets.UTF_8));

        assertEquals("{\"model\":\"m\",\"metric\":\"a\"}\n", new String(queries.localShifts(), StandardCharsets.UTF_8));
        QueryService.Answer<List<byte[]>> all = queries.shifts();
        assertFalse(all.partial());
        assertEquals(List.of("{\"model\":\"m\",\"metric\":\"a\"}", "{\"model\":\"m\",\"metric\":\"b\"}", "{\"model\":\"m\",\"metric\":\"c\"}"),
                all.value().stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList());
        assertEquals(1, mine.shifts().size(), "gathering leaves this instance's verdicts as they were");
    }

    @Test
    void shouldReadWindowsHereOrFromTheInstanceThatOwnsThem() throws Exception {
        List<WindowValue> kept = List.of(new WindowValue(0, 300_000, true, rollouts("v1", 4, 0)));
        mine.windows.put(V1, kept);
        QueryService.Windows local = queries.windows(V1);
        assertFalse(local.remote());
        assertEquals(kept, local.local());
        assertTrue(peers.asked.isEmpty(), "a release held here is read here");

        GroupKey odd = new GroupKey("m&x", "v 2/β");
        byte[] answer = "{\"windows\":[]}".getBytes(StandardCharsets.UTF_8);
        metadata.owners.put(StoreNames.WINDOWS + "/" + StoreReports.groupKey(odd), SECOND);
        peers.answering.put(SECOND, path -> answer);
        QueryService.Windows remote = queries.windows(odd);
        assertTrue(remote.remote());
        assertNull(remote.local());
        assertArrayEquals(answer, remote.fromOwner());
        assertEquals(List.of(SECOND + QueryService.WINDOWS_PATH + "?local=1&model=m%26x&release=v+2%2F%CE%B2"), peers.asked,
                "the owner is asked for its own windows only, the names encoded");
    }

    @Test
    void shouldSayWhichOwnerDidNotGiveTheWindows() {
        metadata.owners.put(StoreNames.WINDOWS + "/" + StoreReports.groupKey(V2), THIRD);
        PeerClient.UnavailableException e = assertThrows(PeerClient.UnavailableException.class, () -> queries.windows(V2));
        assertTrue(e.getMessage().contains("10.0.0.3:9400"), e.getMessage());
    }
}
