package io.scaleprotoseg.sdk.internal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The one configured Jackson mapper of the SDK (thread-safe once built). */
public final class Json {
    /** Ignores unknown fields (forward compatibility within a card format version). */
    public static final ObjectMapper MAPPER = configured(JsonMapper.builder());

    /** The same mapper reading within limits: JSON nesting depth and string length. */
    public static ObjectMapper limited(int maxNesting, int maxStringLength) {
        return configured(JsonMapper.builder(com.fasterxml.jackson.core.JsonFactory.builder()
                .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder().maxNestingDepth(maxNesting)
                        .maxStringLength(maxStringLength).build())
                .build()));
    }

    private static ObjectMapper configured(JsonMapper.Builder b) {
        return b.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .build();
    }

    /** Same, pretty-printed, for files people read. */
    public static final ObjectMapper PRETTY = MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }
}
