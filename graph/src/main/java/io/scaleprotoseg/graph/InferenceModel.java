package io.scaleprotoseg.graph;

import io.scaleprotoseg.sdk.ModelCard;
import java.util.List;
import java.util.Objects;

/**
 * A whole model in plain weights, ready for {@link InferenceGraphWriter}: the card, the backbone,
 * the ASPP and (for prototype models) the head. Which of the three model kinds it is comes from
 * {@link ModelCard#method()}.
 *
 * @param card the model card (classes, scales, prototypes, groups, provenance); written into the file
 * @param backbone the backbone layers, in order
 * @param aspp the ASPP head
 * @param head the prototype head, or null for the black-box DeepLabv2 baseline
 */
public record InferenceModel(ModelCard card, List<Layer> backbone, Aspp aspp, PrototypeHead head) {
    public InferenceModel {
        Objects.requireNonNull(card, "card");
        Objects.requireNonNull(aspp, "aspp");
        backbone = List.copyOf(backbone);
    }
}
