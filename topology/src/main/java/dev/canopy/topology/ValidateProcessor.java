package dev.canopy.topology;

import dev.canopy.core.events.EventParser;
import dev.canopy.core.events.ParseResult;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import java.nio.charset.StandardCharsets;

/**
 * Parses and validates each input record. A rejected record keeps its original key and bytes and
 * gains the headers that the dead-letter topic documents: {@code canopy.reason}, {@code canopy.detail},
 * {@code canopy.source.topic}, {@code canopy.source.partition}, {@code canopy.source.offset}.
 */
final class ValidateProcessor implements FixedKeyProcessor<byte[], byte[], Routed> {

    static final String REASON = "canopy.reason";
    static final String DETAIL = "canopy.detail";
    static final String SOURCE_TOPIC = "canopy.source.topic";
    static final String SOURCE_PARTITION = "canopy.source.partition";
    static final String SOURCE_OFFSET = "canopy.source.offset";

    /** Where the processor sits: the first read of a record counts it, the read after the rekey does not. */
    enum Input {
        /** Records straight from the tokens topic: each one counts as read. */
        FIRST_READ,
        /** Records back from the rekey repartition topic: already counted on their first read. */
        REKEYED
    }

    /** Whether the parsed event keeps its text pieces (only semantic diversity needs them). */
    enum Text {
        KEEP,
        DROP;

        static Text keepIf(boolean needed) {
            return needed ? KEEP : DROP;
        }
    }

    private final int vocabularySize;
    private final EventParser.Limits limits;
    private final TopologyObserver observer;
    private final Input input;
    private final Text text;
    private EventParser parser;
    private FixedKeyProcessorContext<byte[], Routed> context;

    ValidateProcessor(int vocabularySize, EventParser.Limits limits, TopologyObserver observer, Input input, Text text) {
        this.vocabularySize = vocabularySize;
        this.limits = limits;
        this.observer = observer;
        this.input = input;
        this.text = text;
    }

    @Override
    public void init(FixedKeyProcessorContext<byte[], Routed> context) {
        this.context = context;
        this.parser = new EventParser(vocabularySize, text == Text.KEEP, limits);
    }

    @Override
    public void process(FixedKeyRecord<byte[], byte[]> record) {
        if (input == Input.FIRST_READ) {
            observer.eventRead();
        }
        byte[] value = record.value();
        ParseResult result = parser.parse(value == null ? new byte[0] : value);
        if (!result.isAccepted()) {
            Headers h = record.headers();
            h.remove(REASON).add(REASON, utf8(result.reason().code()));
            h.remove(DETAIL).add(DETAIL, utf8(result.detail()));
            RecordMetadata m = context.recordMetadata().orElse(null);
            if (m != null) {
                h.remove(SOURCE_TOPIC).add(SOURCE_TOPIC, utf8(m.topic()));
                h.remove(SOURCE_PARTITION).add(SOURCE_PARTITION, utf8(Integer.toString(m.partition())));
                h.remove(SOURCE_OFFSET).add(SOURCE_OFFSET, utf8(Long.toString(m.offset())));
            }
            observer.eventRejected(result.reason().code());
        }
        context.forward(record.withValue(new Routed(value, result)));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
