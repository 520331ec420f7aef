package dev.canopy.connectors.events;

import java.util.Locale;

/**
 * Maps servers' words for why generation ended onto contract v1's {@code "stop"} and {@code "length"};
 * any other word (tool_calls, content_filter, abort, ...) is passed on lower-cased.
 *
 * <table>
 *   <caption>mapping</caption>
 *   <tr><th>server word</th><th>server</th><th>event</th></tr>
 *   <tr><td>stop</td><td>OpenAI, vLLM, SGLang, llama.cpp /v1, Ollama</td><td>stop</td></tr>
 *   <tr><td>eos, word</td><td>llama.cpp {@code stop_type}</td><td>stop</td></tr>
 *   <tr><td>eos_token, stop_sequence</td><td>TGI</td><td>stop</td></tr>
 *   <tr><td>end_turn, stop_token</td><td>others</td><td>stop</td></tr>
 *   <tr><td>length</td><td>OpenAI, vLLM, SGLang, Ollama</td><td>length</td></tr>
 *   <tr><td>limit</td><td>llama.cpp {@code stop_type}</td><td>length</td></tr>
 *   <tr><td>max_tokens, max_length, model_length</td><td>others</td><td>length</td></tr>
 *   <tr><td>none, empty, null</td><td>llama.cpp (not stopped)</td><td>null (no finish reason)</td></tr>
 * </table>
 */
public final class FinishReasons {

    private FinishReasons() {
    }

    public static String normalise(String word) {
        if (word == null || word.isBlank()) {
            return null;
        }
        String w = word.trim().toLowerCase(Locale.ROOT);
        return switch (w) {
            case "stop", "eos", "eos_token", "stop_sequence", "word", "end_turn", "stop_token" -> "stop";
            case "length", "limit", "max_tokens", "max_length", "model_length" -> "length";
            case "none" -> null;
            default -> w;
        };
    }
}
