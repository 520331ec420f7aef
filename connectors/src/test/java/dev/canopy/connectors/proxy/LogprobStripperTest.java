package dev.canopy.connectors.proxy;

import dev.canopy.connectors.Recordings;
import dev.canopy.connectors.Recordings.OpenAiRecording;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class LogprobStripperTest {

    private static String strip(String json) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        byte[] out = LogprobStripper.strip(b, 0, b.length);
        return out == null ? null : new String(out, StandardCharsets.UTF_8);
    }

    @Test
    void shouldNullOnlyTheChoicesLogprobsAndKeepEveryOtherByte() {
        String in = "{ \"id\" : \"x\", \"logprobs\": {\"keep\": 1},\n \"choices\": [ {\"index\":0, \"logprobs\" : {\"content\":[{\"logprob\":-1e-3}]},"
                + " \"finish_reason\":null}, {\"index\":1,\"logprobs\":null}, {\"index\":2,\"logprobs\":{}} ], \"usage\": {\"logprobs\": [1]} }";
        assertEquals("{ \"id\" : \"x\", \"logprobs\": {\"keep\": 1},\n \"choices\": [ {\"index\":0, \"logprobs\" : null,"
                + " \"finish_reason\":null}, {\"index\":1,\"logprobs\":null}, {\"index\":2,\"logprobs\":null} ], \"usage\": {\"logprobs\": [1]} }", strip(in));
        assertNull(strip("{\"choices\":[{\"logprobs\":null}]}"), "nothing to change");
        assertNull(strip("{\"choices\":[{\"logprobs\":"), "not JSON: relayed unchanged");
        assertNull(strip("[1,2]"));
    }

    @Test
    void shouldTurnTheRecordedStreamIntoWhatTheServerSendsWithLogprobsOff() throws IOException {
        for (OpenAiRecording r : Recordings.allOpenAi()) {
            byte[] sse = r.sse();
            for (int piece : new int[]{1, 5, 4096, sse.length}) {
                SseLogprobStripper s = new SseLogprobStripper();
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                for (int off = 0; off < sse.length; off += piece) {
                    s.process(sse, off, Math.min(piece, sse.length - off), out);
                }
                s.finish(out);
                assertArrayEquals(r.sseWithoutLogprobs(), out.toByteArray(), r.file() + " in pieces of " + piece);
            }
        }
    }

    @Test
    void shouldTurnANonStreamedBodyIntoWhatTheServerSendsWithLogprobsOff() {
        List<OpenAiRecording> recs = List.of(Recordings.openAi(Recordings.OPENAI_FILES.get(1)), Recordings.openAi(Recordings.OPENAI_FILES.get(2)));
        byte[] with = Recordings.chatCompletion(recs, true);
        assertArrayEquals(Recordings.chatCompletion(recs, false), LogprobStripper.strip(with, 0, with.length));
    }

    @Test
    void shouldKeepCrlfAndLoneCrLineEndsAndNonDataLines() throws IOException {
        String wire = ": ping\r\nid: 7\rdata: {\"choices\":[{\"logprobs\":{\"content\":[]}}]}\r\n\r\ndata: [DONE]";
        SseLogprobStripper s = new SseLogprobStripper();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] b = wire.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i++) {
            s.process(b, i, 1, out);
        }
        s.finish(out);
        assertEquals(": ping\r\nid: 7\rdata: {\"choices\":[{\"logprobs\":null}]}\r\n\r\ndata: [DONE]", out.toString(StandardCharsets.UTF_8));
    }
}
