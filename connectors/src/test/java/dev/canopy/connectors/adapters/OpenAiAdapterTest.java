package dev.canopy.connectors.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.connectors.EventChecks;
import dev.canopy.connectors.EventChecks.Event;
import dev.canopy.connectors.Recordings;
import dev.canopy.connectors.Recordings.OpenAiRecording;
import dev.canopy.connectors.events.CollectingSink;
import dev.canopy.connectors.events.Rejection;
import dev.canopy.connectors.events.RolloutContext;
import dev.canopy.core.assembly.CompletedRollout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static dev.canopy.connectors.EventChecks.accepted;
import static dev.canopy.connectors.EventChecks.assertClose;
import static dev.canopy.connectors.EventChecks.assertCompleteRollout;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenAiAdapterTest {

    private static final RolloutContext CTX = RolloutContext.of("gpt-4o", "2024-11-20", "p-continent", null);

    static List<String> recordings() {
        return Recordings.OPENAI_FILES;
    }

    private static CollectingSink streamed(OpenAiRecording r, int pieceSize) {
        CollectingSink sink = new CollectingSink();
        StreamingAdapter a = OpenAiAdapter.stream(CTX, sink);
        byte[] sse = r.sse();
        for (int off = 0; off < sse.length; off += pieceSize) {
            a.feed(sse, off, Math.min(pieceSize, sse.length - off));
        }
        a.finish();
        return sink;
    }

    @Test
    void shouldEmitEveryRecordedStepOfTheStreamWithExactValuesAndFinalOnTheLastTextToken() {
        OpenAiRecording r = Recordings.openAi(Recordings.OPENAI_MAIN);
        List<Event> events = accepted(streamed(r, 1 << 20).records());

        // the recording has 49 logprob entries; the stop chunk has logprobs null, so no EOS step
        assertCompleteRollout(events, 49, "stop");
        Event first = events.get(0);
        assertEquals("rec-068176027664:0", first.rolloutId());
        assertEquals("p-continent", first.json().get("prompt_id").asText());
        assertEquals(-0.00023476807109545916, first.logprob());
        assertArrayEquals(new double[]{-0.00023476807109545916, -8.500234603881836, -10.500234603881836,
                -12.625234603881836, -15.625234603881836}, first.top());
        Event last = events.get(48);
        assertEquals(-0.24474112689495087, last.logprob());
        assertArrayEquals(new double[]{-0.24474112689495087, -1.8697410821914673, -3.869741201400757,
                -3.994741201400757, -5.369740962982178}, last.top());
        assertFalse(first.json().has("entropy"), "no entropy is invented");
        assertFalse(first.json().has("text"), "no token text unless asked");
    }

    @ParameterizedTest
    @MethodSource("recordings")
    void shouldMatchEveryRecordingStepForStepAndGiveTheRenormalisedTopKEntropyOnReplay(String file) {
        OpenAiRecording r = Recordings.openAi(file);
        CollectingSink sink = streamed(r, 1 << 20);
        List<Event> events = accepted(sink.records());
        List<JsonNode> steps = r.steps();
        assertCompleteRollout(events, steps.size(), "stop");
        double expectedSum = 0;
        for (int t = 0; t < steps.size(); t++) {
            JsonNode s = steps.get(t);
            assertEquals(s.get("logprob").doubleValue(), events.get(t).logprob(), "logprob at " + t);
            double[] top = new double[s.get("top_logprobs").size()];
            for (int j = 0; j < top.length; j++) {
                top[j] = s.get("top_logprobs").get(j).get("logprob").doubleValue();
            }
            assertArrayEquals(top, events.get(t).top(), "top_logprobs at " + t);
            expectedSum += EventChecks.topKEntropy(top);
        }
        Map<String, CompletedRollout> done = EventChecks.replay(EventChecks.values(sink));
        CompletedRollout rollout = done.get(r.id() + ":0");
        assertFalse(rollout.abandoned());
        assertEquals(steps.size(), rollout.length());
        assertEquals(steps.size(), rollout.topkSteps());
        assertClose(expectedSum, rollout.entropySum(), "H_sum of " + file);
        assertTrue(sink.rejections().isEmpty());
    }

    @Test
    void shouldGiveTheSameEventsWhateverPiecesTheStreamArrivesIn() {
        OpenAiRecording r = Recordings.openAi(Recordings.OPENAI_FILES.get(4));
        String whole = streamed(r, 1 << 20).jsonLines();
        assertEquals(whole, streamed(r, 1).jsonLines(), "byte by byte");
        assertEquals(whole, streamed(r, 7).jsonLines(), "7-byte pieces");
        byte[] crlf = new String(r.sse(), StandardCharsets.UTF_8).replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
        CollectingSink sink = new CollectingSink();
        StreamingAdapter a = OpenAiAdapter.stream(CTX, sink);
        for (int off = 0; off < crlf.length; off += 3) {
            a.feed(crlf, off, Math.min(3, crlf.length - off));
        }
        a.finish();
        assertEquals(whole, sink.jsonLines(), "CRLF line ends");
    }

    @Test
    void shouldTreatANonStreamedResponseLikeTheStreamAndMakeOneRolloutPerChoice() {
        OpenAiRecording a = Recordings.openAi(Recordings.OPENAI_FILES.get(3));
        OpenAiRecording b = Recordings.openAi(Recordings.OPENAI_FILES.get(4));
        CollectingSink sink = new CollectingSink();
        OpenAiAdapter.adaptResponse(Recordings.chatCompletion(List.of(a, b), true), CTX, sink);
        Map<String, List<Event>> byRollout = EventChecks.byRollout(accepted(sink.records()));
        assertEquals(List.of(a.id() + ":0", a.id() + ":1"), List.copyOf(byRollout.keySet()));
        assertCompleteRollout(byRollout.get(a.id() + ":0"), a.steps().size(), "stop");
        assertCompleteRollout(byRollout.get(a.id() + ":1"), b.steps().size(), "stop");
        assertEquals(b.steps().get(0).get("logprob").doubleValue(), byRollout.get(a.id() + ":1").get(0).logprob());
    }

    @Test
    void shouldRejectAChoiceWithTextButNoLogprobsInsteadOfEmittingAnything() {
        OpenAiRecording r = Recordings.openAi(Recordings.OPENAI_MAIN);
        CollectingSink sink = new CollectingSink();
        OpenAiAdapter.adaptResponse(Recordings.chatCompletion(List.of(r), false), CTX, sink);
        assertTrue(sink.records().isEmpty());
        assertEquals(Map.of(Rejection.Reason.NO_LOGPROBS, 1), sink.rejectionCounts());
    }

    @Test
    void shouldPublishAnInterruptedStreamWithoutFinalSoTheMonitorAbandonsIt() {
        OpenAiRecording r = Recordings.openAi(Recordings.OPENAI_MAIN);
        byte[] sse = r.sse();
        CollectingSink sink = new CollectingSink();
        StreamingAdapter a = OpenAiAdapter.stream(CTX, sink);
        a.feed(sse, 0, sse.length / 2);
        a.abort();
        List<Event> events = accepted(sink.records());
        assertFalse(events.isEmpty());
        assertTrue(events.stream().noneMatch(Event::isFinal));
        assertTrue(EventChecks.replay(EventChecks.values(sink)).values().stream().allMatch(CompletedRollout::abandoned));
    }

    @Test
    void shouldStopTheResponseOnAnErrorEventInTheStream() {
        OpenAiRecording r = Recordings.openAi(Recordings.OPENAI_MAIN);
        byte[] sse = r.sse();
        String text = new String(sse, StandardCharsets.UTF_8);
        int cut = text.indexOf("data: ", text.length() / 2);
        String broken = text.substring(0, cut) + "data: {\"error\":{\"message\":\"overloaded\",\"code\":500}}\n\n" + text.substring(cut);
        CollectingSink sink = new CollectingSink();
        StreamingAdapter a = OpenAiAdapter.stream(CTX, sink);
        byte[] b = broken.getBytes(StandardCharsets.UTF_8);
        a.feed(b, 0, b.length);
        a.finish();
        assertEquals(1, sink.rejectionCounts().get(Rejection.Reason.SERVER_ERROR));
        assertTrue(accepted(sink.records()).stream().noneMatch(Event::isFinal));
    }

    @Test
    void shouldReadLegacyCompletionsStreamedAndNot() {
        JsonNode out = Recordings.vllmOutputs().get(1);
        int n = out.get(0).size();
        for (boolean stream : new boolean[]{false, true}) {
            CollectingSink sink = new CollectingSink();
            byte[] body = Recordings.legacyCompletion(out, "cmpl-7", stream);
            if (stream) {
                StreamingAdapter a = OpenAiAdapter.stream(CTX, sink);
                a.feed(body, 0, body.length);
                a.finish();
            } else {
                OpenAiAdapter.adaptResponse(body, CTX, sink);
            }
            List<Event> events = accepted(sink.records());
            assertCompleteRollout(events, n, "stop");
            assertEquals("cmpl-7:0", events.get(0).rolloutId());
            for (int t : new int[]{0, n - 1}) {
                assertEquals(Recordings.vllmLogprob(out, t), events.get(t).logprob());
                assertArrayEquals(Recordings.vllmTop(out, t), events.get(t).top());
            }
        }
    }

    @Test
    void shouldWriteTokenTextAndTimestampsOnlyWhenAsked() {
        OpenAiRecording r = Recordings.openAi(Recordings.OPENAI_FILES.get(2));
        CollectingSink sink = new CollectingSink();
        StreamingAdapter a = OpenAiAdapter.stream(CTX.withText(true).withClock(() -> 1_764_000_000_000L), sink);
        byte[] sse = r.sse();
        a.feed(sse, 0, sse.length);
        a.finish();
        Event first = accepted(sink.records()).get(0);
        assertEquals("4", first.json().get("text").asText());
        assertEquals(1_764_000_000_000L, first.json().get("timestamp").longValue());
    }
}
