package dev.canopy.connectors.proxy;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SseBoundaryTest {

    private static SseBoundary after(String... pieces) {
        SseBoundary b = new SseBoundary();
        for (String piece : pieces) {
            byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
            b.saw(bytes, 0, bytes.length);
        }
        return b;
    }

    @Test
    void anEmptyStreamIsAtABoundary() {
        assertTrue(new SseBoundary().atEventEnd());
        assertTrue(after("").atEventEnd());
    }

    @Test
    void aBlankLineEndsAnEventWhateverTheLineEnding() {
        assertTrue(after("data: {\"a\":1}\n\n").atEventEnd());
        assertTrue(after("data: {\"a\":1}\r\r").atEventEnd());
        assertTrue(after("data: {\"a\":1}\r\n\r\n").atEventEnd());
    }

    @Test
    void aPartialEventOrASingleLineEndIsNotABoundary() {
        assertFalse(after("data: {\"a\"").atEventEnd());
        assertFalse(after("data: {\"a\":1}\n").atEventEnd());
        assertFalse(after("data: {\"a\":1}\r\n").atEventEnd());
        assertFalse(after("data: 1\n\ndata: 2").atEventEnd());
    }

    @Test
    void piecesAreJoinedAcrossFeeds() {
        assertTrue(after("data: 1\r", "\n", "\r", "\n").atEventEnd());
        assertTrue(after("data: 1\n", "\n").atEventEnd());
        assertFalse(after("data: 1\n\n", "d").atEventEnd());
    }

    @Test
    void onlyTheGivenRangeOfTheArrayCounts() {
        byte[] bytes = "xx\n\nyy".getBytes(StandardCharsets.US_ASCII);
        SseBoundary b = new SseBoundary();
        b.saw(bytes, 0, 4);
        assertTrue(b.atEventEnd());
        b.saw(bytes, 4, 2);
        assertFalse(b.atEventEnd());
    }
}
