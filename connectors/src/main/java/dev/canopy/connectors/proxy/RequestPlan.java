package dev.canopy.connectors.proxy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import dev.canopy.connectors.events.PromptIds;

import java.io.IOException;
import java.util.Locale;

/**
 * What the proxy does with one request: whether it is a completion request it instruments, whether the
 * client asked for logprobs itself, the body to send upstream (the client's bytes, unless logprobs had
 * to be added), the model label and the prompt id. Never holds on to prompt text.
 */
final class RequestPlan {

    enum Endpoint {
        CHAT("chat_completions"), COMPLETIONS("completions"), OTHER("other");

        final String label;

        Endpoint(String label) {
            this.label = label;
        }
    }

    /** Floats are read as exact decimals so that a rewritten request carries the client's numbers unchanged. */
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    final Endpoint endpoint;
    final boolean stream;
    /** Events are produced from the response. */
    final boolean instrument;
    /** The client did not ask for logprobs: they are removed from the response. */
    final boolean strip;
    /** The body to send upstream: null = the client's bytes as received. */
    final byte[] upstreamBody;
    final String model;
    final String promptId;
    /** Why a completion request is not instrumented (a metric label), or null. */
    final String skipReason;

    private RequestPlan(Endpoint endpoint, boolean stream, boolean instrument, boolean strip, byte[] upstreamBody,
                        String model, String promptId, String skipReason) {
        this.endpoint = endpoint;
        this.stream = stream;
        this.instrument = instrument;
        this.strip = strip;
        this.upstreamBody = upstreamBody;
        this.model = model;
        this.promptId = promptId;
        this.skipReason = skipReason;
    }

    static Endpoint endpointOf(String method, String path) {
        if (!"POST".equalsIgnoreCase(method) || path == null) {
            return Endpoint.OTHER;
        }
        String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        if (p.endsWith("/chat/completions")) {
            return Endpoint.CHAT;
        }
        if (p.endsWith("/completions")) {
            return Endpoint.COMPLETIONS;
        }
        return Endpoint.OTHER;
    }

    /** A request relayed as it is, without events. */
    static RequestPlan passthrough(Endpoint endpoint, String skipReason) {
        return new RequestPlan(endpoint, false, false, false, null, null, null, skipReason);
    }

    /**
     * @param body the whole request body (the caller relays bodies larger than its limit without calling this)
     */
    static RequestPlan analyse(String method, String path, Headers headers, byte[] body, ProxyConfig config) {
        Endpoint endpoint = endpointOf(method, path);
        if (endpoint == Endpoint.OTHER) {
            return passthrough(endpoint, null);
        }
        String encoding = headers.getFirst("Content-Encoding");
        if (encoding != null && !encoding.equalsIgnoreCase("identity")) {
            return passthrough(endpoint, "compressed_request");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (IOException e) {
            root = null;
        }
        if (root == null || !root.isObject()) {
            return passthrough(endpoint, "not_json");
        }
        ObjectNode req = (ObjectNode) root;
        boolean stream = req.path("stream").asBoolean(false);
        boolean asked;
        if (endpoint == Endpoint.CHAT) {
            asked = req.path("logprobs").asBoolean(false);
        } else {
            asked = req.hasNonNull("logprobs") && req.get("logprobs").isNumber();
            if (req.path("echo").asBoolean(false)) {
                return passthrough(endpoint, "echo");
            }
        }
        Integer k = config.topLogprobs();
        if (!asked && k == null) {
            return passthrough(endpoint, "logprobs_not_requested");
        }
        String model = model(req, headers, config.modelSource());
        if (model == null || model.isEmpty()) {
            return passthrough(endpoint, "no_model");
        }
        String promptId = null;
        if (config.hashPromptIds()) {
            JsonNode prompt = req.get(endpoint == Endpoint.CHAT ? "messages" : "prompt");
            if (prompt != null && !prompt.isNull()) {
                promptId = PromptIds.of(prompt);
            }
        }
        byte[] upstreamBody = null;
        if (!asked) {
            if (endpoint == Endpoint.CHAT) {
                req.put("logprobs", true);
                if (k > 0) {
                    req.put("top_logprobs", k);
                } else {
                    req.remove("top_logprobs");
                }
            } else {
                req.put("logprobs", k);
            }
            try {
                upstreamBody = MAPPER.writeValueAsBytes(req);
            } catch (JsonProcessingException e) {
                return passthrough(endpoint, "not_json");
            }
        }
        return new RequestPlan(endpoint, stream, true, !asked, upstreamBody, model, promptId, null);
    }

    private static String model(ObjectNode req, Headers headers, ModelSource source) {
        return switch (source.kind()) {
            case REQUEST -> req.path("model").isTextual() ? req.get("model").textValue() : null;
            case HEADER -> headers.getFirst(source.value());
            case FIXED -> source.value();
        };
    }

    @Override
    public String toString() {
        return "RequestPlan[" + endpoint.name().toLowerCase(Locale.ROOT) + ", stream=" + stream + ", instrument=" + instrument
                + ", strip=" + strip + (skipReason == null ? "" : ", skip=" + skipReason) + "]";
    }
}
