package io.scaleprotoseg.sdk;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The three kinds of model the exporter writes and the SDK runs (DESIGN.md, "The model file"). */
public enum ModelKind {
    /** Multi-scale prototypes in sparse groups: evidence at group and prototype level. */
    SCALEPROTOSEG("scaleprotoseg"),
    /** One scale of prototypes feeding the last layer directly: evidence at prototype level. */
    PROTOSEG("protoseg"),
    /** The black-box DeepLabv2 baseline: summed ASPP straight to class scores, no evidence. */
    DEEPLABV2("deeplabv2");

    private final String id;

    ModelKind(String id) {
        this.id = id;
    }

    /** The spelling used in the model card. */
    @JsonValue
    public String id() {
        return id;
    }

    /** True when the model has prototypes (and therefore evidence). */
    public boolean hasPrototypes() {
        return this != DEEPLABV2;
    }

    /** True when the model has a group layer. */
    public boolean hasGroups() {
        return this == SCALEPROTOSEG;
    }

    @JsonCreator
    public static ModelKind fromId(String id) {
        for (ModelKind k : values()) {
            if (k.id.equals(id == null ? null : id.toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown model method '" + id
                + "' (expected scaleprotoseg, protoseg or deeplabv2)");
    }
}
