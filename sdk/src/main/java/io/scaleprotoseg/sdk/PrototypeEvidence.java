package io.scaleprotoseg.sdk;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.awt.image.BufferedImage;

/**
 * One prototype's part in a decision at one feature cell.
 *
 * <p>In a ScaleProtoSeg model it sits inside a {@link GroupEvidence}: {@code weight} is its simplex
 * weight in the group and {@code contribution = weight * g}; the contributions of a group's
 * prototypes add up to the log of the group activation. In a ProtoSeg model it is direct evidence
 * for the class: {@code weight} is the last-layer weight and the contributions of all prototypes
 * add up to the class logit.
 *
 * @param id the prototype's stable id (the card's {@link ModelCard.Prototype#id()})
 * @param channel its channel in {@code prototype_activations}
 * @param classId the class it was learned for
 * @param scale its ASPP scale index (0 = smallest field of view)
 * @param weight the weight it enters the sum with (see above)
 * @param g its log-activation log((d+1)/(d+1e-4)) at the cell (METHOD.md 1.3)
 * @param contribution {@code weight * g}
 * @param margin how much the prototype adds to the explained class's lead at the pixel (its
 *     upsampled score minus the best other class's), against the same without the prototype
 * @param decisive whether removing this prototype alone changes the pixel's class
 * @param info the card entry: projection source and patch image
 */
public record PrototypeEvidence(int id, int channel, int classId, int scale, double weight, double g,
        double contribution, double margin, boolean decisive, @JsonIgnore ModelCard.Prototype info) {

    /** The patch the prototype was projected from, or null when the card has none. */
    public BufferedImage patch() {
        return info.patchImage();
    }

    /** Where the prototype was projected from, or null. */
    public ModelCard.Source source() {
        return info.source();
    }
}
